// The only module that talks to the Go side. Components get a CompanionApi
// from context (see CompanionApiContext), so tests can hand them another one.
import * as App from "../../wailsjs/go/main/App";
import type { companion } from "../../wailsjs/go/models";

export type AccountStatus = "valid" | "expiring" | "needs_sign_in";

// The shapes come from the Go structs (generated into wailsjs/go/models.ts),
// so a change on the Go side breaks the type check here; only the fields Go
// types as plain strings are narrowed.

export type Account = Omit<companion.Account, "status"> & { status: AccountStatus };

export type Overview = Omit<companion.Overview, "accounts" | "convertValues"> & { accounts: Account[] };

/** What the window tells the Go side once its first screen has rendered. */
export type FrontendReport = Omit<companion.FrontendReport, "view"> & { view: "empty" | "accounts" | "error" };

/** An overview as the bindings deliver it. */
type RawOverview = Omit<companion.Overview, "accounts" | "convertValues"> & { accounts: companion.Account[] | null };

export interface CompanionApi {
  overview(): Promise<Overview>;
  frontendReady(report: FrontendReport): Promise<void>;
}

const statuses: readonly AccountStatus[] = ["valid", "expiring", "needs_sign_in"];

// A status this build does not know is shown as the safe one: sign in again.
function toStatus(s: string): AccountStatus {
  return (statuses as readonly string[]).includes(s) ? (s as AccountStatus) : "needs_sign_in";
}

export function toOverview(raw: RawOverview): Overview {
  return {
    appVersion: raw.appVersion,
    environment: raw.environment,
    dataDir: raw.dataDir,
    accounts: (raw.accounts ?? []).map((a) => ({ ...a, status: toStatus(a.status) })),
  };
}

export const wailsCompanionApi: CompanionApi = {
  overview: async () => toOverview(await App.Overview()),
  frontendReady: (report) => App.FrontendReady(report),
};

/** Wails rejects a failed bound call with the Go error's text, not an Error. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string" && err !== "") return err;
  return "Something went wrong inside the app.";
}
