import { useState } from "react";
import type { FrontendReport } from "./api/companionApi";
import { AccountPanel } from "./components/content/AccountPanel";
import { ChooseAccountPanel } from "./components/content/ChooseAccountPanel";
import { ErrorPanel } from "./components/content/ErrorPanel";
import { LoadingPanel } from "./components/content/LoadingPanel";
import { WelcomePanel } from "./components/content/WelcomePanel";
import { SessionHeader } from "./components/header/SessionHeader";
import { AccountsSidebar } from "./components/sidebar/AccountsSidebar";
import { useFrontendReady } from "./stores/useFrontendReady";
import { useOverview, type OverviewState } from "./stores/useOverview";

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
  const state = useOverview();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  useFrontendReady(viewOf(state));

  const overview = state.status === "ready" ? state.overview : null;
  const selected = overview?.accounts.find((a) => a.id === selectedId) ?? null;

  let content;
  if (state.status === "loading") {
    content = <LoadingPanel label="Opening your accounts…" />;
  } else if (state.status === "error") {
    content = <ErrorPanel error={state.error} onRetry={state.reload} />;
  } else if (state.overview.accounts.length === 0) {
    content = <WelcomePanel environment={state.overview.environment} />;
  } else if (selected) {
    content = <AccountPanel account={selected} />;
  } else {
    content = <ChooseAccountPanel />;
  }

  return (
    <div className="app-shell">
      <AccountsSidebar state={state} selectedId={selectedId} onSelect={setSelectedId} />
      <div className="workspace">
        <SessionHeader account={selected} environment={overview?.environment ?? null} />
        <main className="workspace__main">{content}</main>
      </div>
    </div>
  );
}
