import type { AccountStatus } from "../../api/companionApi";

const words: Record<AccountStatus, string> = {
  valid: "Signed in",
  expiring: "Sign-in expiring",
  needs_sign_in: "Needs sign-in",
};

export function statusWords(status: AccountStatus): string {
  return words[status];
}

/** A coloured dot; the words are read out by screen readers and shown beside anything not green. */
export function AccountStatusDot({ status }: { status: AccountStatus }) {
  return <span className={`status-dot status-dot--${status}`} role="img" aria-label={words[status]} />;
}
