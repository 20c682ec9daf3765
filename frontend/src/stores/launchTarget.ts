import type { Account, LaunchIntent } from "../api/companionApi";

/** What the window does with an `open` or a link: go to an account, or say why it cannot. */
export type LaunchTarget = { kind: "account"; account: Account } | { kind: "notice"; title: string; message: string };

/** The account an intent names: an id, a label or a clinic name; none named means the default. */
export function accountFor(intent: LaunchIntent, accounts: Account[]): Account | undefined {
  const ref = intent.account.trim().toLowerCase();
  if (ref === "") return accounts.find((a) => a.isDefault) ?? accounts[0];
  return (
    accounts.find((a) => a.id === intent.account) ??
    accounts.find((a) => a.label !== "" && a.label.toLowerCase() === ref) ??
    accounts.find((a) => a.clinicName.toLowerCase() === ref)
  );
}

/** Several accounts answer to the same label or clinic name: a link must not pick one at random. */
function ambiguous(intent: LaunchIntent, accounts: Account[]): boolean {
  const ref = intent.account.trim().toLowerCase();
  if (ref === "" || accounts.some((a) => a.id === intent.account)) return false;
  const byLabel = accounts.filter((a) => a.label !== "" && a.label.toLowerCase() === ref);
  if (byLabel.length > 0) return byLabel.length > 1;
  return accounts.filter((a) => a.clinicName.toLowerCase() === ref).length > 1;
}

/**
 * Where an intent leads. A link is untrusted: a problem it carries, an
 * account that is not here, or a name that fits two accounts is said in
 * the window, and nothing changes.
 */
export function launchTarget(intent: LaunchIntent, accounts: Account[]): LaunchTarget {
  const from = intent.source === "link" ? "link" : "open command";
  const title = `The ${from} could not be followed`;
  if (intent.problem !== "") return { kind: "notice", title, message: intent.problem };
  // Quoted back from a link, so plain and short: no text dressed as a message.
  const named = shown(intent.account.trim());
  if (accounts.length === 0) {
    return { kind: "notice", title, message: "No account is signed in here yet. Add the account, then open it again." };
  }
  if (ambiguous(intent, accounts)) {
    return { kind: "notice", title, message: `More than one account here is called “${named}”. Give each a different name (Rename in the account's menu), or use the account's id.` };
  }
  const account = accountFor(intent, accounts);
  if (!account) {
    return { kind: "notice", title, message: `It is for the account “${named}”, which is not signed in here. Check the name, or add the account and open it again.` };
  }
  return { kind: "account", account };
}

/** Text from a link as the window quotes it: printable, at most 40 characters. */
function shown(s: string): string {
  const plain = Array.from(s.replace(/[\p{Cc}\p{Cf}]/gu, ""));
  return plain.length <= 40 ? plain.join("") : `${plain.slice(0, 40).join("")}…`;
}
