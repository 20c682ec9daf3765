import type { Account } from "../../api/companionApi";

/** The name a row leads with: the practitioner's own label when set, else the person's name. */
export function displayName(account: Pick<Account, "label" | "userName">): string {
  const label = account.label.trim();
  return label !== "" ? label : account.userName;
}

/** "practitioner" -> "Practitioner"; Fullscript's user types, in words. */
export function roleWords(role: string): string {
  const words = role.replace(/[_-]+/g, " ").trim().toLowerCase();
  return words === "" ? "" : words[0]!.toUpperCase() + words.slice(1);
}

/** "Dr. Ada Moss at Riverside Clinic": the person (not their label) and the clinic, for confirmations. */
export function whoAndWhere(account: Pick<Account, "userName" | "clinicName">): string {
  return `${account.userName} at ${account.clinicName}`;
}
