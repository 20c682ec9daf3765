import type { Account } from "../../api/companionApi";
import { environmentLabel, isSandbox } from "../../api/environments";
import { ConnectionBadge } from "./ConnectionBadge";

interface SessionHeaderProps {
  account: Account | null;
  /** The environment new sign-ins use, shown when no account is selected. */
  environment: string | null;
}

/** Always says who the app acts as, at which clinic, in which environment. */
export function SessionHeader({ account, environment }: SessionHeaderProps) {
  const env = account?.environment ?? environment;
  return (
    <header className="session-header">
      <p className="session-header__who">
        {account ? (
          <>
            <strong>{account.userName}</strong>
            <span className="session-header__sep" aria-hidden="true">·</span>
            {account.clinicName}
          </>
        ) : (
          <span className="session-header__none">No account selected</span>
        )}
        {env !== null && (
          <>
            <span className="session-header__sep" aria-hidden="true">·</span>
            <span className={`env-label${isSandbox(env) ? " env-label--sandbox" : ""}`}>{environmentLabel(env)}</span>
          </>
        )}
      </p>
      <ConnectionBadge />
    </header>
  );
}
