import { useCallback, useEffect, useState } from "react";
import { useCompanionApi } from "./api/CompanionApiContext";
import type { Account, FrontendReport, LaunchIntent } from "./api/companionApi";
import { ChooseAccountPanel } from "./components/content/ChooseAccountPanel";
import { ErrorPanel } from "./components/content/ErrorPanel";
import { LoadingPanel } from "./components/content/LoadingPanel";
import { SignInPanel } from "./components/content/SignInPanel";
import { WelcomePanel } from "./components/content/WelcomePanel";
import { SessionHeader } from "./components/header/SessionHeader";
import { DiagnosticsView } from "./components/settings/DiagnosticsView";
import { SettingsView } from "./components/settings/SettingsView";
import { AccountsSidebar, type SidebarView } from "./components/sidebar/AccountsSidebar";
import { AccountWorkspace } from "./components/workspace/AccountWorkspace";
import { HistoryView } from "./components/workspace/HistoryView";
import { useFrontendReady } from "./stores/useFrontendReady";
import { useLaunchIntent } from "./stores/useLaunchIntent";
import { useOnlineStatus } from "./stores/useOnlineStatus";
import { useOverview, type OverviewState } from "./stores/useOverview";
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

/** The account an `open --account` names: an id, a label or a clinic name. */
function accountFor(intent: LaunchIntent, accounts: Account[]): Account | undefined {
  const ref = intent.account.trim().toLowerCase();
  if (ref === "") return accounts.find((a) => a.isDefault) ?? accounts[0];
  return (
    accounts.find((a) => a.id === intent.account) ??
    accounts.find((a) => a.label !== "" && a.label.toLowerCase() === ref) ??
    accounts.find((a) => a.clinicName.toLowerCase() === ref)
  );
}

/** The window: accounts on the left, who-and-where on top, the work below. */
export function App() {
  const api = useCompanionApi();
  const state = useOverview();
  const { reload } = state;
  const online = useOnlineStatus();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [view, setView] = useState<SidebarView>("account");
  const launch = useLaunchIntent();
  const signIn = useSignIn({
    onSignedIn: (a) => {
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
    if (selectedId !== null && !overview.accounts.some((a) => a.id === selectedId)) setSelectedId(null);
    if (selectedId === null) {
      const first = overview.accounts.find((a) => a.isDefault);
      if (first) setSelectedId(first.id);
    }
  }, [overview, selectedId]);

  // An `open` names an account: show it, on the account view.
  const intent = launch.intent;
  const intentAccount = intent && overview ? accountFor(intent, overview.accounts) : undefined;
  useEffect(() => {
    if (intentAccount) {
      setSelectedId(intentAccount.id);
      setView("account");
    }
  }, [intentAccount]);

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

  let content;
  if (state.status === "loading") {
    content = <LoadingPanel label="Opening your accounts…" />;
  } else if (state.status === "error") {
    content = <ErrorPanel error={state.error} onRetry={state.reload} />;
  } else if (signIn.phase === "waiting" || signIn.phase === "error") {
    content = (
      <SignInPanel
        phase={signIn.phase}
        error={signIn.error ?? undefined}
        environment={signIn.environment}
        onCancel={signIn.cancel}
        onRetry={signIn.retry}
      />
    );
  } else if (view === "settings") {
    content = <SettingsView onSaved={reload} />;
  } else if (view === "diagnostics") {
    content = <DiagnosticsView accountId={selectedId} />;
  } else if (state.overview.accounts.length === 0) {
    content = <WelcomePanel environment={state.overview.environment} online={online} onAddAccount={addAccount} />;
  } else if (selected && view === "history") {
    content = <HistoryView account={selected} />;
  } else if (selected) {
    content = (
      <AccountWorkspace
        account={selected}
        online={online}
        launch={intent && intentAccount?.id === selected.id ? intent : null}
        onLaunchHandled={launch.done}
        onOpenDiagnostics={() => setView("diagnostics")}
      />
    );
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
        onChanged={reload}
      />
      <div className="workspace">
        <SessionHeader account={selected} environment={overview?.environment ?? null} />
        <main className="workspace__main">{content}</main>
      </div>
    </div>
  );
}
