export const offlineSignInReason = "Offline: signing in needs the internet.";
const notWiredReason = "Signing in from the window is not in this version yet: run fullscript-companion login.";

/**
 * Whether talking to an environment needs the internet. The built-in
 * sandbox runs on this computer, so it keeps working offline.
 */
export function needsInternet(environment: string): boolean {
  return environment !== "local";
}

/** Why Add account is disabled (signing in to `environment`), or undefined when it is not. */
export function addAccountDisabledReason(wired: boolean, online: boolean, environment: string): string | undefined {
  if (!wired) return notWiredReason;
  if (!online && needsInternet(environment)) return offlineSignInReason;
  return undefined;
}
