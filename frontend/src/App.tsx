import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useCompanionApi } from "./api/CompanionApiContext";
import type { FrontendReport } from "./api/companionApi";
import { ChooseAccountPanel } from "./components/content/ChooseAccountPanel";
import { ErrorPanel } from "./components/content/ErrorPanel";
import { VaultRecoveryPanel } from "./components/content/VaultRecoveryPanel";
import { LaunchNotice } from "./components/content/LaunchNotice";
import { LoadingPanel } from "./components/content/LoadingPanel";
import { SignInPanel } from "./components/content/SignInPanel";
import { WelcomePanel } from "./components/content/WelcomePanel";
import { SessionHeader } from "./components/header/SessionHeader";
import { DiagnosticsView } from "./components/settings/DiagnosticsView";
import { HistorySettings } from "./components/settings/HistorySettings";
import { SettingsView } from "./components/settings/SettingsView";
import { AccountsSidebar, type SidebarView } from "./components/sidebar/AccountsSidebar";
import { AccountWorkspace } from "./components/workspace/AccountWorkspace";
import { HistoryView } from "./components/history/HistoryView";
import { useFrontendReady } from "./stores/useFrontendReady";
import { launchTarget } from "./stores/launchTarget";
import { useLaunchIntent } from "./stores/useLaunchIntent";
import { useOnlineStatus } from "./stores/useOnlineStatus";
import { useOverview, type OverviewState } from "./stores/useOverview";
import { useUnreadHistory } from "./stores/useUnreadHistory";
import { useSignIn } from "./stores/useSignIn";

function viewOf(state: OverviewState): FrontendReport["view"] | null {
  switch (state.status) {
    case "loading":
      return null;
    case "error":
      return "error";
    case "ready":
      return state.overview.accounts.length > 0 ? "accounts" : "empty";
  }
}

/** The window: accounts on the left, who-and-where on top, the work below. */
export function App() {
  const api = useCompanionApi();
  const state = useOverview();
  const { reload } = state;
  const online = useOnlineStatus();
  const unread = useUnreadHistory();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [view, setView] = useState<SidebarView>("account");
  const arriving = useRef<string | null>(null);
  // Help > Check connection: Diagnostics runs the check when it shows; a
  // later visit to Diagnostics does not run it again by itself.
  const [checkNow, setCheckNow] = useState(0);
  useEffect(() => {
    if (view !== "diagnostics") setCheckNow(0);
  }, [view]);
  // Each account's workspace (patient, open screen) lives while the app
  // runs: kept mounted, hidden while another account or view is shown.
  const [visited, setVisited] = useState<string[]>([]);
  const launch = useLaunchIntent();
  const signIn = useSignIn({
    onSignedIn: (a) => {
      // The overview on screen predates this account: keep the choice until
      // the reloaded one lists it.
      arriving.current = a.id;
      reload();
      setSelectedId(a.id);
      setView("account");
    },
  });
  useFrontendReady(viewOf(state));

  const overview = state.status === "ready" ? state.overview : null;
  const accounts = overview?.accounts ?? [];
  const selected = accounts.find((a) => a.id === selectedId) ?? null;

  // Open on the default account; forget one that was signed out.
  useEffect(() => {
    if (!overview) return;
    const listed = (id: string) => overview.accounts.some((a) => a.id === id);
    if (arriving.current !== null && listed(arriving.current)) arriving.current = null;
    if (selectedId !== null && !listed(selectedId) && selectedId !== arriving.current) setSelectedId(null);
    setVisited((ids) => (ids.every(listed) ? ids : ids.filter(listed)));
    if (selectedId === null) {
      const first = overview.accounts.find((a) => a.isDefault);
      if (first) setSelectedId(first.id);
    }
  }, [overview, selectedId]);

  useEffect(() => {
    if (selected && !visited.includes(selected.id)) setVisited((ids) => [...ids, selected.id]);
  }, [selected, visited]);

  // An `open` or a link names an account: show it, on the account view. One
  // that cannot be followed is said above the view, and changes nothing.
  const intent = launch.intent;
  const target = useMemo(() => (intent && overview ? launchTarget(intent, overview.accounts) : null), [intent, overview]);
  const intentAccount = target?.kind === "account" ? target.account : undefined;
  const [notice, setNotice] = useState<{ title: string; message: string } | null>(null);
  const launchDone = launch.done;
  useEffect(() => {
    if (!target) return;
    if (target.kind === "notice") {
      setNotice({ title: target.title, message: target.message });
      launchDone();
      return;
    }
    setNotice(null);
    setSelectedId(target.account.id);
    setView("account");
  }, [target, launchDone]);

  // Back online: send the sign-outs that waited, then show the new state.
  useEffect(() => {
    if (!online) return;
    api.retryPendingSignOuts().then(
      (sent) => sent > 0 && reload(),
      () => undefined,
    );
  }, [online, api, reload]);

  const select = useCallback((id: string) => {
    setSelectedId(id);
    setView("account");
  }, []);

  const addAccount = () => signIn.start(overview?.environment ?? "local");
  // The window's menu (File, View) goes where the sidebar does.
  const addAccountNow = useRef(addAccount);
  useEffect(() => {
    addAccountNow.current = addAccount;
  });
  useEffect(
    () =>
      api.onMenu((action) => {
        if (action === "add-account") addAccountNow.current();
        else if (action === "check-connection") {
          setView("diagnostics");
          setCheckNow((n) => n + 1);
        } else setView(action);
      }),
    [api],
  );

  let content;
  if (state.status === "loading") {
    content = <LoadingPanel label="Opening your accounts…" />;
  } else if (state.status === "error") {
    content =
      state.error.code === "vault_broken" ? (
        <VaultRecoveryPanel error={state.error} onRecovered={state.reload} />
      ) : (
        <ErrorPanel error={state.error} onRetry={state.reload} />
      );
  } else if (signIn.phase === "waiting" || signIn.phase === "error") {
    content = (
      <SignInPanel
        phase={signIn.phase}
        error={signIn.error ?? undefined}
        environment={signIn.environment}
        onCancel={signIn.cancel}
        onRetry={signIn.retry}
        onOpenSettings={() => {
          signIn.cancel();
          setView("settings");
        }}
      />
    );
  } else if (view === "settings") {
    content = (
      <>
        <SettingsView onSaved={reload} />
        <HistorySettings />
      </>
    );
  } else if (view === "diagnostics") {
    content = <DiagnosticsView accountId={selectedId} checkNow={checkNow} />;
  } else if (view === "history") {
    // History outlives sign-out: it is shown with no account left, too.
    content = <HistoryView onSeen={unread.refresh} accountsKey={state.overview.accounts.map((a) => a.id).join(",")} />;
  } else if (state.overview.accounts.length === 0) {
    content = <WelcomePanel environment={state.overview.environment} online={online} onAddAccount={addAccount} />;
  } else if (selected) {
    content = null; // the workspaces below
  } else {
    content = <ChooseAccountPanel />;
  }

  return (
    <div className="app-shell">
      <AccountsSidebar
        state={state}
        selectedId={selectedId}
        onSelect={select}
        online={online}
        activeView={view}
        onNavigate={setView}
        onAddAccount={addAccount}
        onSignInAgain={(a) => signIn.start(a.environment)}
        unreadHistory={unread.count}
        onChanged={reload}
      />
      <div className="workspace">
        <SessionHeader account={selected} environment={overview?.environment ?? null} />
        {notice && <LaunchNotice title={notice.title} message={notice.message} onDismiss={() => setNotice(null)} />}
        <main className="workspace__main">
          {content}
          {accounts
            .filter((a) => visited.includes(a.id))
            .map((a) => (
              <div key={a.id} className="workspace-slot" hidden={content !== null || a.id !== selected?.id}>
                <AccountWorkspace
                  account={a}
                  active={content === null && a.id === selected?.id}
                  online={online}
                  launch={intent && intentAccount?.id === a.id ? intent : null}
                  onLaunchHandled={launch.done}
                  onOpenDiagnostics={() => setView("diagnostics")}
                />
              </div>
            ))}
        </main>
      </div>
    </div>
  );
}
