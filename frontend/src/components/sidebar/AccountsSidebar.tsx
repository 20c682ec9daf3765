import appIcon from "../../assets/app-icon.svg";
import type { OverviewState } from "../../stores/useOverview";
import { AccountList } from "./AccountList";
import { AddAccountButton } from "./AddAccountButton";

interface AccountsSidebarProps {
  state: OverviewState;
  selectedId: string | null;
  onSelect: (id: string) => void;
}

/** The map of who the app can act as: clinics as headings, people under them. */
export function AccountsSidebar({ state, selectedId, onSelect }: AccountsSidebarProps) {
  const accounts = state.status === "ready" ? state.overview.accounts : [];
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
        {accounts.length > 0 && <AccountList accounts={accounts} selectedId={selectedId} onSelect={onSelect} />}
      </nav>

      <AddAccountButton variant="sidebar" />

      {state.status === "ready" && (
        <footer className="sidebar__footer">Version {state.overview.appVersion}</footer>
      )}
    </aside>
  );
}
