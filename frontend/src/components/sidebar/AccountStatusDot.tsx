import type { AccountStatus } from "../../api/companionApi";

const words: Record<AccountStatus, string> = {
  valid: "Signed in",
  expiring: "Sign-in expiring",
  needs_sign_in: "Needs sign-in",
  unreadable: "Cannot be read: sign out",
};

export function statusWords(status: AccountStatus): string {
  return words[status];
}

/**
 * A coloured dot; the words are read out by screen readers and shown beside
 * anything not green. Where the words are shown next to it, pass decorative
 * so screen readers do not hear them twice.
 */
export function AccountStatusDot({ status, decorative = false }: { status: AccountStatus; decorative?: boolean }) {
  if (decorative) return <span className={`status-dot status-dot--${status}`} aria-hidden="true" />;
  return <span className={`status-dot status-dot--${status}`} role="img" aria-label={words[status]} />;
}
