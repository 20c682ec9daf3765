// The only module that talks to the Go side. Components get a CompanionApi
// from context (see CompanionApiContext), so tests can hand them another one.
import * as App from "../../wailsjs/go/main/App";

export type AccountStatus = "valid" | "expiring" | "needs_sign_in";

export interface Account {
  id: string;
  environment: string;
  clinicId: string;
  clinicName: string;
  userName: string;
  role: string;
  status: AccountStatus;
}

export interface Overview {
  appVersion: string;
  environment: string;
  dataDir: string;
  accounts: Account[];
}

/** What the window tells the Go side once its first screen has rendered. */
export interface FrontendReport {
  origin: string;
  view: "empty" | "accounts" | "error";
  userAgent: string;
}

export interface CompanionApi {
  overview(): Promise<Overview>;
  frontendReady(report: FrontendReport): Promise<void>;
}

const statuses: readonly AccountStatus[] = ["valid", "expiring", "needs_sign_in"];

// A status this build does not know is shown as the safe one: sign in again.
function toStatus(s: string): AccountStatus {
  return (statuses as readonly string[]).includes(s) ? (s as AccountStatus) : "needs_sign_in";
}

export function toOverview(raw: {
  appVersion: string;
  environment: string;
  dataDir: string;
  accounts: Array<Omit<Account, "status"> & { status: string }> | null;
}): Overview {
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
