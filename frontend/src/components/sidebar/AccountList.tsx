import { useId } from "react";
import type { Account } from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import "../../styles/accounts.css";
import { AccountActionsMenu, type AccountActions } from "./AccountActionsMenu";
import { AccountStatusDot, statusWords } from "./AccountStatusDot";
import { displayName, roleWords } from "./accountNames";
import { needsInternet, offlineSignInReason } from "./network";

interface ClinicGroup {
  key: string;
  clinicName: string;
  accounts: Account[];
}

/** Groups accounts under their clinic, keeping the order they arrived in. */
export function groupByClinic(accounts: readonly Account[]): ClinicGroup[] {
  const groups = new Map<string, ClinicGroup>();
  for (const account of accounts) {
    // The same clinic id can exist in two environments (sandbox and production).
    const key = `${account.environment}/${account.clinicId}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, clinicName: account.clinicName, accounts: [] };
      groups.set(key, group);
    }
    group.accounts.push(account);
  }
  return [...groups.values()];
}

interface AccountListProps {
  accounts: readonly Account[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** The environment the app signs in to; an account elsewhere says where it is. */
  appEnvironment: string;
  online: boolean;
  actions: AccountActions;
  /** Offered on rows that need a sign-in; without it the row only says so. */
  onSignInAgain?: ((account: Account) => void) | undefined;
}

export function AccountList({ accounts, selectedId, onSelect, appEnvironment, online, actions, onSignInAgain }: AccountListProps) {
  return (
    <div className="account-list">
      {groupByClinic(accounts).map((group) => (
        <ClinicSection
          key={group.key}
          group={group}
          selectedId={selectedId}
          onSelect={onSelect}
          appEnvironment={appEnvironment}
          online={online}
          actions={actions}
          onSignInAgain={onSignInAgain}
        />
      ))}
    </div>
  );
}

function ClinicSection({ group, ...row }: Omit<AccountListProps, "accounts"> & { group: ClinicGroup }) {
  const headingId = useId();
  return (
    <section className="clinic-group" aria-labelledby={headingId}>
      <h2 id={headingId} className="clinic-group__name">
        {group.clinicName}
      </h2>
      <ul>
        {group.accounts.map((account) => (
          <AccountRow key={account.id} account={account} clinicHeadingId={headingId} {...row} />
        ))}
      </ul>
    </section>
  );
}

type AccountRowProps = Omit<AccountListProps, "accounts"> & { account: Account; clinicHeadingId: string };

function AccountRow({ account, clinicHeadingId, selectedId, onSelect, appEnvironment, online, actions, onSignInAgain }: AccountRowProps) {
  const nameId = useId();
  const name = displayName(account);
  const role = roleWords(account.role);
  const otherEnv = account.environment !== appEnvironment ? environmentLabel(account.environment) : "";
  // Under a label, the person's name comes first on the second line.
  const person = name !== account.userName ? account.userName : "";
  const meta = [person, role, otherEnv].filter((s) => s !== "").join(" · ");
  const needsSignIn = account.status === "needs_sign_in";
  const signInBlocked = !online && needsInternet(account.environment);

  return (
    <li className="account-row">
      <div className="account-row__line">
        <button
          type="button"
          className="account-item"
          aria-current={account.id === selectedId ? "true" : undefined}
          onClick={() => onSelect(account.id)}
        >
          <span className="account-item__text">
            <span className="account-item__name" id={nameId}>
              {name}
            </span>
            {(meta !== "" || account.isDefault) && (
              <span className="account-item__meta">
                {meta}
                {account.isDefault && <span className="default-marker">Default</span>}
              </span>
            )}
            {account.status !== "valid" && (
              <span className={`account-item__status account-item__status--${account.status}`}>
                {statusWords(account.status)}
              </span>
            )}
          </span>
          {/* After the words, so the row is read name first; CSS shows the dot first. */}
          <AccountStatusDot status={account.status} decorative={account.status !== "valid"} />
        </button>
        <AccountActionsMenu account={account} name={name} describedBy={clinicHeadingId} {...actions} />
      </div>
      {needsSignIn && onSignInAgain && (
        <button
          type="button"
          className="button button--small button--secondary account-row__sign-in"
          disabled={signInBlocked}
          aria-describedby={nameId}
          title={signInBlocked ? offlineSignInReason : undefined}
          onClick={() => onSignInAgain(account)}
        >
          Sign in again
        </button>
      )}
    </li>
  );
}
