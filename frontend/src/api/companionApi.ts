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

/** A failure as the practitioner sees it: what happened, what to do, and the detail for support. */
export interface AppError {
  message: string;
  fix: string;
  detail: string;
}

const appFault = {
  message: "Something went wrong inside the app.",
  fix: "Try again. If it keeps happening, restart the app; the details help support.",
};

function isErrorView(err: unknown): err is AppError {
  if (typeof err !== "object" || err === null) return false;
  const e = err as Record<string, unknown>;
  return typeof e.message === "string" && e.message !== "" && typeof e.fix === "string" && typeof e.detail === "string";
}

/**
 * Reads a rejected bound call. The Go side's ErrorFormatter sends
 * {message, fix, detail}; Wails itself rejects with a plain string (a bad
 * argument, say), and code on this side can throw an Error.
 */
export function toAppError(err: unknown): AppError {
  if (isErrorView(err)) return { message: err.message, fix: err.fix, detail: err.detail };
  if (err instanceof Error) return { ...appFault, detail: err.message };
  if (typeof err === "string" && err !== "") return { ...appFault, detail: err };
  return { ...appFault, detail: "" };
}
