import type { Account } from "../../api/companionApi";
import { AccountStatusDot, statusWords } from "./AccountStatusDot";

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
}

export function AccountList({ accounts, selectedId, onSelect }: AccountListProps) {
  return (
    <div className="account-list">
      {groupByClinic(accounts).map((group) => (
        <section key={group.key} className="clinic-group" aria-label={group.clinicName}>
          <h2 className="clinic-group__name">{group.clinicName}</h2>
          <ul>
            {group.accounts.map((account) => (
              <li key={account.id}>
                <button
                  type="button"
                  className="account-item"
                  aria-current={account.id === selectedId ? "true" : undefined}
                  onClick={() => onSelect(account.id)}
                >
                  <AccountStatusDot status={account.status} />
                  <span className="account-item__text">
                    <span className="account-item__name">
                      {account.userName}
                      {account.role === "staff" && <span className="account-item__role"> (staff)</span>}
                    </span>
                    {account.status !== "valid" && (
                      <span className={`account-item__status account-item__status--${account.status}`}>
                        {statusWords(account.status)}
                      </span>
                    )}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
