import { useRef, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError } from "../../api/companionApi";
import appIcon from "../../assets/app-icon.svg";
import { useOnlineStatus } from "../../stores/useOnlineStatus";
import type { OverviewState } from "../../stores/useOverview";
import "../../styles/accounts.css";
import { InlineError } from "../content/InlineError";
import { RenameAccountDialog } from "../dialogs/RenameAccountDialog";
import { SignOutDialog } from "../dialogs/SignOutDialog";
import { AccountList } from "./AccountList";
import { AddAccountButton } from "./AddAccountButton";
import { displayName } from "./accountNames";
import { addAccountDisabledReason } from "./network";

export type SidebarView = "account" | "history" | "settings" | "diagnostics";

export interface AccountsSidebarProps {
  state: OverviewState;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Whether the system is online; defaults to navigator.onLine (useOnlineStatus). */
  online?: boolean | undefined;
  /** The view the workspace shows; the bottom nav marks it. Defaults to "account". */
  activeView?: SidebarView | undefined;
  /** Shows History, Settings or Diagnostics (or "account" again). Without it the bottom nav is not shown. */
  onNavigate?: ((view: SidebarView) => void) | undefined;
  /** Starts a sign-in (useSignIn().start). Without it Add account is disabled with the reason. */
  onAddAccount?: (() => void) | undefined;
  /** Signs a needs-sign-in account in again. Without it the row only says it needs a sign-in. */
  onSignInAgain?: ((account: Account) => void) | undefined;
  /** Something changed (renamed, new default, signed out, sign-outs sent): reload the overview. */
  onChanged?: (() => void) | undefined;
  /** New events from Fullscript since History was last looked at: shown on History. */
  unreadHistory?: number | undefined;
}

type OpenDialog = { kind: "rename"; account: Account } | { kind: "sign-out"; account: Account } | null;
type Notice = { kind: "info"; text: string } | { kind: "error"; error: AppError } | null;

const navItems = [
  ["history", "History"],
  ["settings", "Settings"],
  ["diagnostics", "Diagnostics"],
] as const;

/** The map of who the app can act as: clinics as headings, people under them. */
export function AccountsSidebar({
  state,
  selectedId,
  onSelect,
  online: onlineProp,
  activeView = "account",
  onNavigate,
  onAddAccount,
  onSignInAgain,
  onChanged = () => {},
  unreadHistory = 0,
}: AccountsSidebarProps) {
  const api = useCompanionApi();
  const systemOnline = useOnlineStatus();
  const online = onlineProp ?? systemOnline;
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [sending, setSending] = useState(false);
  const addButtonArea = useRef<HTMLDivElement>(null);
  // When the row that opened a dialog is gone (signed out), focus lands on the list's next stop.
  const fallbackFocus = useRef<HTMLElement | null>(null);

  const overview = state.status === "ready" ? state.overview : null;
  const accounts = overview?.accounts ?? [];
  const appEnvironment = overview?.environment ?? "";

  function openDialog(next: OpenDialog) {
    fallbackFocus.current = addButtonArea.current?.querySelector("button:not(:disabled)") ?? null;
    setNotice(null);
    setDialog(next);
  }

  function setDefault(account: Account) {
    setNotice(null);
    api.setDefaultAccount(account.id).then(
      () => {
        setNotice({ kind: "info", text: `${displayName(account)} at ${account.clinicName} is now the default: the app opens on it.` });
        onChanged();
      },
      (err: unknown) => setNotice({ kind: "error", error: toAppError(err) }),
    );
  }

  function sendPending() {
    setSending(true);
    setNotice(null);
    api.retryPendingSignOuts().then(
      (sent) => {
        setSending(false);
        setNotice({
          kind: "info",
          text: sent > 0 ? `${plural(sent, "sign-out")} sent to Fullscript.` : "Fullscript could not be reached yet; the app keeps trying.",
        });
        onChanged();
      },
      (err: unknown) => {
        setSending(false);
        setNotice({ kind: "error", error: toAppError(err) });
      },
    );
  }

  return (
    <aside className="sidebar">
      <div className="brand">
        <img className="brand__icon" src={appIcon} alt="" width={28} height={28} />
        <span className="brand__name">
          Fullscript
          <br />
          Companion
        </span>
      </div>

      <nav className="sidebar__accounts" aria-label="Accounts" aria-busy={state.status === "loading"}>
        {state.status === "loading" && <div className="sidebar__placeholder skeleton" aria-hidden="true" />}
        {state.status === "ready" && accounts.length === 0 && <p className="sidebar__empty">No accounts yet</p>}
        {accounts.length > 0 && (
          <AccountList
            accounts={accounts}
            selectedId={selectedId}
            onSelect={onSelect}
            appEnvironment={appEnvironment}
            online={online}
            onSignInAgain={onSignInAgain}
            actions={{
              onRename: (account) => openDialog({ kind: "rename", account }),
              onSetDefault: setDefault,
              onSignOut: (account) => openDialog({ kind: "sign-out", account }),
            }}
          />
        )}
      </nav>

      {/* Always present, so screen readers announce what lands in it. */}
      <div role="status" className="sidebar__status">
        {notice?.kind === "info" && (
          <div className="sidebar-notice">
            <p>{notice.text}</p>
            <DismissButton onClick={() => setNotice(null)} />
          </div>
        )}
      </div>
      {notice?.kind === "error" && (
        <InlineError error={notice.error}>
          <DismissButton onClick={() => setNotice(null)} />
        </InlineError>
      )}

      <div ref={addButtonArea}>
        <AddAccountButton
          variant="sidebar"
          onClick={() => onAddAccount?.()}
          disabledReason={addAccountDisabledReason(onAddAccount !== undefined, online, appEnvironment)}
        />
      </div>

      {overview && overview.pendingSignOuts > 0 && (
        <div className="sidebar-notice">
          <p>
            {plural(overview.pendingSignOuts, "sign-out")} will be sent to Fullscript when it can be reached.
          </p>
          {online && (
            <button type="button" className="button button--small button--secondary" onClick={sendPending} disabled={sending}>
              {sending ? "Sending…" : "Send now"}
            </button>
          )}
        </div>
      )}

      {overview?.keyStorage === "key-file" && (
        <div className="sidebar-notice sidebar-notice--warn" role="note">
          <p className="sidebar-notice__title">Sign-ins are kept in a key file, not the system keyring.</p>
          {overview.keyStorageNote !== "" && (
            <details className="sidebar-notice__more">
              <summary>Why, and what to do</summary>
              <p>{overview.keyStorageNote}</p>
            </details>
          )}
        </div>
      )}

      {onNavigate && (
        <nav className="sidebar-nav" aria-label="App">
          <ul>
            {navItems.map(([view, label]) => (
              <li key={view}>
                <button
                  type="button"
                  className="sidebar-nav__item"
                  aria-current={activeView === view ? "page" : undefined}
                  onClick={() => onNavigate(view)}
                >
                  {label}
                  {view === "history" && unreadHistory > 0 && (
                    <span className="sidebar-nav__badge" aria-label={`${unreadHistory} new`}>
                      {unreadHistory > 99 ? "99+" : unreadHistory}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}

      {state.status === "ready" && <footer className="sidebar__footer">Version {state.overview.appVersion}</footer>}

      {dialog?.kind === "rename" && (
        <RenameAccountDialog
          account={dialog.account}
          fallbackFocus={fallbackFocus}
          onClose={() => setDialog(null)}
          onRenamed={() => onChanged()}
        />
      )}
      {dialog?.kind === "sign-out" && (
        <SignOutDialog
          account={dialog.account}
          online={online}
          fallbackFocus={fallbackFocus}
          onClose={() => setDialog(null)}
          onSignedOut={() => onChanged()}
        />
      )}
    </aside>
  );
}

function DismissButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="sidebar-notice__dismiss" aria-label="Dismiss" onClick={onClick}>
      <span aria-hidden="true">×</span>
    </button>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
