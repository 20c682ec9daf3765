import type { Account } from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import { statusWords } from "../sidebar/AccountStatusDot";

/** The chosen account; Fullscript's own screens will open below this. */
export function AccountPanel({ account }: { account: Account }) {
  return (
    <div className="panel">
      <h1 className="panel__title">{account.clinicName}</h1>
      <dl className="facts">
        <dt>Signed in as</dt>
        <dd>
          {account.userName} ({account.role})
        </dd>
        <dt>Environment</dt>
        <dd>{environmentLabel(account.environment)}</dd>
        <dt>Status</dt>
        <dd>{statusWords(account.status)}</dd>
      </dl>
    </div>
  );
}
