// The only module that talks to the Go side. Components get a CompanionApi
// from context (see CompanionApiContext), so tests can hand them another one.
import * as App from "../../wailsjs/go/main/App";
import type { companion, store } from "../../wailsjs/go/models";
import { EventsOn } from "../../wailsjs/runtime/runtime";

export type AccountStatus = "valid" | "expiring" | "needs_sign_in" | "unreadable";

// The shapes come from the Go structs (generated into wailsjs/go/models.ts),
// so a change on the Go side breaks the type check here. `Plain<T>` drops
// the generated classes' helper methods; times (Go time.Time) arrive as
// ISO strings and are typed so.
type Plain<T> = Omit<T, "convertValues">;

export type Account = Omit<Plain<companion.Account>, "status"> & { status: AccountStatus };

export type Overview = Omit<Plain<companion.Overview>, "accounts"> & { accounts: Account[] };

/** What the window tells the Go side once its first screen has rendered. */
export type FrontendReport = Omit<Plain<companion.FrontendReport>, "view"> & { view: "empty" | "accounts" | "error" };

/** A patient as the window shows it and hands to Fullscript.js; id "" for one typed in by hand. */
export type Patient = Plain<companion.Patient>;
export type PatientPage = Omit<Plain<companion.PatientPage>, "patients"> & { patients: Patient[] };
export type FieldError = Plain<companion.FieldError>;

/** One mount's worth of Fullscript.js login: never an access or refresh token. */
export type SessionGrant = Omit<Plain<companion.SessionGrant>, "expiresAt"> & { expiresAt: string };

export type HistoryEntry = Omit<Plain<companion.HistoryEntry>, "at"> & { at: string };
/** History's categories, for the filter and the icons. */
export type HistoryCategory = "plan" | "order" | "lab" | "patient" | "browser" | "sign-in" | "sign-out" | "other";
/** One line of History: done in this app (source "app") or reported by Fullscript's Events API ("fullscript"). */
export type HistoryItem = Omit<Plain<companion.HistoryItem>, "at" | "source" | "category"> & {
  at: string;
  source: "app" | "fullscript";
  category: HistoryCategory;
};
export type HistoryChoice = Plain<companion.HistoryChoice>;
export type HistoryQuery = Plain<companion.HistoryQuery>;
/** How checking Fullscript's events goes. */
export type EventsStatus = Omit<Plain<companion.EventsStatus>, "checkedAt" | "waitUntil"> & { checkedAt: string | null; waitUntil: string | null };
export type HistoryPage = Omit<Plain<companion.HistoryPage>, "items" | "clinics" | "people" | "patients" | "categories" | "checking"> & {
  items: HistoryItem[];
  clinics: HistoryChoice[];
  people: HistoryChoice[];
  patients: HistoryChoice[];
  categories: HistoryChoice[];
  checking: EventsStatus;
};
export type EventSettings = Plain<companion.EventSettings>;
export type SignOutResult = Omit<Plain<companion.SignOutResult>, "account"> & { account: Plain<companion.AccountInfo> };
export type SettingsView = Omit<Plain<companion.SettingsView>, "environments"> & { environments: Plain<companion.EnvironmentSettings>[] };
export type EnvironmentSettings = Plain<companion.EnvironmentSettings>;
export type SettingsInput = Plain<companion.SettingsInput>;
export type Diagnostics = Plain<companion.Diagnostics>;
export type ConnectionCheck = Plain<companion.Check> & { status: "ok" | "failed" | "skipped" };
export type ConnectionReport = Omit<Plain<companion.ConnectionReport>, "checks"> & { checks: ConnectionCheck[] };
export type Feature = "treatment-plan" | "catalog" | "labs";
/** Where Fullscript's screens open: in this window (Embed) or the browser (Redirect links). */
export type OpensIn = "window" | "browser";
export type OpenMode = "automatic" | OpensIn;
/** An `open` command or a fullscript-companion:// link; `problem` is why a link cannot be followed. */
export type LaunchIntent = Omit<Plain<companion.LaunchIntent>, "feature" | "in" | "source"> & { feature: Feature; in: OpensIn | ""; source: "command" | "link" };
export type OpenChoice = Omit<Plain<companion.OpenChoice>, "setting" | "opens"> & { setting: OpenMode; opens: OpensIn };
export type BrowserRequest = Omit<Plain<companion.BrowserRequest>, "feature" | "patient"> & { feature: Feature; patient: Patient | null };
export type BrowserOpened = Omit<Plain<companion.BrowserOpened>, "at"> & { at: string };
export type Practitioner = Plain<companion.Practitioner>;
export type PlanSummary = Omit<Plain<companion.PlanSummary>, "createdAt"> & { createdAt: string };
export type PatientPlans = Omit<Plain<companion.PatientPlans>, "plans" | "fetchedAt"> & { plans: PlanSummary[]; fetchedAt: string };
/** What the Go side's frame check found for this window: is Fullscript's frame refused? */
export type FrameCheck = "refused" | "allowed" | "unknown";

/** A copy of the saved sign-ins the app keeps (the window takes one a day and after each sign-in and sign-out). */
export type Backup = Omit<Plain<store.Backup>, "takenAt"> & { takenAt: string };
export type RestoreResult = Omit<Plain<companion.RestoreResult>, "backup"> & { backup: Backup };

/** An overview as the bindings deliver it. */
type RawOverview = Omit<Plain<companion.Overview>, "accounts"> & { accounts: companion.Account[] | null };

/** Everything the window can ask of the Go side. Components get it from context. */
export interface CompanionApi {
  overview(): Promise<Overview>;
  frontendReady(report: FrontendReport): Promise<void>;
  /** Runs the loopback sign-in in the system browser; resolves with the new account. */
  signIn(environment: string): Promise<Account>;
  cancelSignIn(): Promise<void>;
  renameAccount(accountId: string, label: string): Promise<Account>;
  setDefaultAccount(accountId: string): Promise<Account>;
  /** Signs out; History keeps the account's entries unless removeHistory. */
  signOut(accountId: string, removeHistory: boolean): Promise<SignOutResult>;
  retryPendingSignOuts(): Promise<number>;
  searchPatients(accountId: string, query: string, page: number): Promise<PatientPage>;
  /** One patient by id (a launch names one by id; the window shows the name). */
  patient(accountId: string, patientId: string): Promise<Patient>;
  recentPatients(accountId: string): Promise<Patient[]>;
  validatePatient(patient: Patient): Promise<FieldError[]>;
  rememberPatient(accountId: string, patient: Patient): Promise<void>;
  /** A fresh single-use grant for one mount; never cache or reuse it. */
  newSessionGrant(accountId: string): Promise<SessionGrant>;
  /** Stores a Fullscript.js callback's argument in the clinic's history. */
  recordEmbedEvent(accountId: string, payload: Record<string, unknown>): Promise<HistoryEntry>;
  history(accountId: string): Promise<HistoryEntry[]>;
  /** History: this app's entries and Fullscript's events, filtered, newest first. Offline. */
  historyRecord(query: HistoryQuery): Promise<HistoryPage>;
  /** The practitioner looked at History: its entries are no longer new. */
  markHistorySeen(): Promise<void>;
  /** How many of Fullscript's events arrived since History was last looked at. */
  unreadHistory(): Promise<number>;
  /** History's "Check now". */
  checkEventsNow(): Promise<EventsStatus>;
  eventSettings(): Promise<EventSettings>;
  saveEventSettings(settings: EventSettings): Promise<EventSettings>;
  /** Calls back when a check stored new events; returns an unsubscribe. */
  onHistory(callback: () => void): () => void;
  settings(): Promise<SettingsView>;
  validateSettings(input: SettingsInput): Promise<FieldError[]>;
  saveSettings(input: SettingsInput): Promise<SettingsView>;
  diagnostics(): Promise<Diagnostics>;
  /** Checks everything for this window (its own origin goes along). */
  checkConnection(accountId: string): Promise<ConnectionReport>;
  /** Where the account's screens open from this window, and why. */
  howFullscriptOpens(accountId: string): Promise<OpenChoice>;
  setOpenMode(environment: string, mode: OpenMode): Promise<void>;
  /** Asked when an Embed screen stays silent: does Fullscript refuse its frame here? */
  embedFrameCheck(accountId: string): Promise<FrameCheck>;
  /** Opens the screen in the system browser with a fresh Redirect link; the link never comes here. */
  openInBrowser(request: BrowserRequest): Promise<BrowserOpened>;
  /** Puts a fresh Redirect link on the clipboard (for when the browser would not open). */
  copyBrowserLink(request: BrowserRequest): Promise<BrowserOpened>;
  practitioners(accountId: string): Promise<Practitioner[]>;
  /** The practitioner a staff account writes plans for; "" when none is chosen. */
  prescriber(accountId: string): Promise<string>;
  setPrescriber(accountId: string, practitionerId: string): Promise<void>;
  /** A patient's treatment plans, newest first; the last copy (saved: true) when offline. */
  patientPlans(accountId: string, patientId: string): Promise<PatientPlans>;
  /** Puts a plan's patient-facing invitation link on the clipboard. */
  copyPlanInvitation(accountId: string, planId: string): Promise<void>;
  /** The vault's backups, newest first; they can be listed while the vault cannot be opened. */
  backups(): Promise<Backup[]>;
  /** Puts a backup back (the file it replaces is set aside) and reopens the vault. */
  restoreBackup(name: string): Promise<RestoreResult>;
  /** Sets the vault aside and opens a new, empty one; resolves with where the old files went. */
  startOver(): Promise<string>;
  /** What `fullscript-companion open` asked for at launch; null after the first call. */
  launchIntent(): Promise<LaunchIntent | null>;
  /** Calls back when a second `open` hands the window an intent; returns an unsubscribe. */
  onLaunch(callback: (intent: LaunchIntent) => void): () => void;
  /** Calls back with the menu item chosen (File, View); returns an unsubscribe. */
  onMenu(callback: (action: MenuAction) => void): () => void;
}

/** What the window's menu asks for (app_menu.go). */
export type MenuAction = "add-account" | "settings" | "history" | "diagnostics" | "check-connection";
const menuActions: readonly string[] = ["add-account", "settings", "history", "diagnostics", "check-connection"];

const statuses: readonly AccountStatus[] = ["valid", "expiring", "needs_sign_in", "unreadable"];

// A status this build does not know is shown as the safe one: sign in again.
function toStatus(s: string): AccountStatus {
  return (statuses as readonly string[]).includes(s) ? (s as AccountStatus) : "needs_sign_in";
}

export function toAccount(a: companion.Account): Account {
  return { ...a, status: toStatus(a.status) };
}

export function toOverview(raw: RawOverview): Overview {
  return {
    appVersion: raw.appVersion,
    environment: raw.environment,
    dataDir: raw.dataDir,
    keyStorage: raw.keyStorage,
    keyStorageNote: raw.keyStorageNote,
    pendingSignOuts: raw.pendingSignOuts,
    accounts: (raw.accounts ?? []).map(toAccount),
  };
}

const features: readonly Feature[] = ["treatment-plan", "catalog", "labs"];

function toOpensIn(s: string): OpensIn | "" {
  return s === "window" || s === "browser" ? s : "";
}

function toLaunchIntent(raw: companion.LaunchIntent | null | undefined): LaunchIntent | null {
  if (!raw) return null;
  const feature = (features as readonly string[]).includes(raw.feature) ? (raw.feature as Feature) : "treatment-plan";
  const source = raw.source === "link" ? "link" : "command";
  return { account: raw.account, patientId: raw.patientId, patientEmail: raw.patientEmail, feature, in: toOpensIn(raw.in), source, problem: raw.problem ?? "" };
}

/** A choice from the Go side; anything unknown opens in the browser, which works everywhere. */
export function toOpenChoice(raw: companion.OpenChoice): OpenChoice {
  const setting: OpenMode = raw.setting === "window" || raw.setting === "browser" ? raw.setting : "automatic";
  return { setting, opens: raw.opens === "window" ? "window" : "browser", reason: raw.reason };
}

function toFrameCheck(s: string): FrameCheck {
  return s === "refused" || s === "allowed" ? s : "unknown";
}

/** A request as the binding takes it: the generated class only adds a helper method. */
function toGoRequest(req: BrowserRequest): companion.BrowserRequest {
  return { ...req, patient: req.patient ?? undefined } as companion.BrowserRequest;
}

/** The window's own origin, for the checks that depend on it (Fullscript's frame allow-list). */
function origin(): string {
  return window.location.origin;
}

export const wailsCompanionApi: CompanionApi = {
  overview: async () => toOverview(await App.Overview()),
  frontendReady: (report) => App.FrontendReady(report),
  signIn: async (environment) => toAccount(await App.SignIn(environment)),
  cancelSignIn: () => App.CancelSignIn(),
  renameAccount: async (id, label) => toAccount(await App.RenameAccount(id, label)),
  setDefaultAccount: async (id) => toAccount(await App.SetDefaultAccount(id)),
  signOut: (id, removeHistory) => App.SignOut(id, removeHistory),
  retryPendingSignOuts: () => App.RetryPendingSignOuts(),
  searchPatients: async (id, query, page) => {
    const res = await App.SearchPatients(id, query, page);
    return { ...res, patients: res.patients ?? [] };
  },
  patient: (id, patientId) => App.Patient(id, patientId),
  recentPatients: async (id) => (await App.RecentPatients(id)) ?? [],
  validatePatient: async (p) => (await App.ValidatePatient(p)) ?? [],
  rememberPatient: (id, p) => App.RememberPatient(id, p),
  newSessionGrant: (id) => App.NewSessionGrant(id),
  recordEmbedEvent: (id, payload) => App.RecordEmbedEvent(id, payload),
  history: async (id) => (await App.History(id)) ?? [],
  historyRecord: async (query) => toHistoryPage(await App.HistoryRecord(companionQuery(query))),
  markHistorySeen: () => App.MarkHistorySeen(),
  unreadHistory: () => App.UnreadHistory(),
  checkEventsNow: async () => toEventsStatus(await App.CheckEventsNow()),
  eventSettings: () => App.EventSettings(),
  saveEventSettings: (settings) => App.SaveEventSettings(settings),
  onHistory: (callback) => EventsOn("history", () => callback()),
  settings: () => App.Settings(),
  validateSettings: async (input) => (await App.ValidateSettings(input)) ?? [],
  saveSettings: (input) => App.SaveSettings(input),
  diagnostics: () => App.Diagnostics(),
  checkConnection: async (id) => {
    const r = await App.CheckConnection(id, origin());
    return { ...r, checks: (r.checks ?? []) as ConnectionCheck[] };
  },
  howFullscriptOpens: async (id) => toOpenChoice(await App.HowFullscriptOpens(id, origin())),
  setOpenMode: (env, mode) => App.SetOpenMode(env, mode),
  embedFrameCheck: async (id) => toFrameCheck(await App.EmbedFrameCheck(id, origin())),
  openInBrowser: (req) => App.OpenInBrowser(toGoRequest(req)),
  copyBrowserLink: (req) => App.CopyBrowserLink(toGoRequest(req)),
  practitioners: async (id) => (await App.Practitioners(id)) ?? [],
  prescriber: (id) => App.Prescriber(id),
  setPrescriber: (id, practitionerId) => App.SetPrescriber(id, practitionerId),
  patientPlans: async (id, patientId) => {
    const r = await App.PatientPlans(id, patientId);
    return { ...r, plans: (r.plans ?? []).map((p) => ({ ...p, products: p.products ?? [], labs: p.labs ?? [] })) };
  },
  copyPlanInvitation: (id, planId) => App.CopyPlanInvitation(id, planId),
  backups: async () => ((await App.Backups()) ?? []) as Backup[],
  restoreBackup: async (name) => (await App.RestoreBackup(name)) as RestoreResult,
  startOver: () => App.StartOver(),
  launchIntent: async () => toLaunchIntent(await App.LaunchIntent(origin())),
  onMenu: (callback) =>
    EventsOn("menu", (action: unknown) => {
      if (typeof action === "string" && menuActions.includes(action)) callback(action as MenuAction);
    }),
  // The event only says one is waiting: taking it is what makes each
  // intent acted on once, even if it arrived while the page loaded.
  onLaunch: (callback) =>
    EventsOn("launch", () => {
      App.LaunchIntent(origin()).then(
        (raw) => {
          const intent = toLaunchIntent(raw);
          if (intent) callback(intent);
        },
        () => undefined,
      );
    }),
};

function companionQuery(q: HistoryQuery): companion.HistoryQuery {
  return { clinic: q.clinic, person: q.person, patientId: q.patientId, category: q.category, limit: q.limit };
}

function toEventsStatus(s: companion.EventsStatus): EventsStatus {
  return { ...s, checkedAt: (s.checkedAt as unknown as string | null) ?? null, waitUntil: (s.waitUntil as unknown as string | null) ?? null };
}

const categories: readonly HistoryCategory[] = ["plan", "order", "lab", "patient", "browser", "sign-in", "sign-out", "other"];

/** A page as the bindings deliver it: nil lists become empty, unknown categories "other". */
function toHistoryPage(p: companion.HistoryPage): HistoryPage {
  return {
    unread: p.unread,
    unreadable: p.unreadable,
    clinics: p.clinics ?? [],
    people: p.people ?? [],
    patients: p.patients ?? [],
    categories: p.categories ?? [],
    checking: toEventsStatus(p.checking),
    items: (p.items ?? []).map((it) => ({
      ...it,
      at: it.at as unknown as string,
      source: it.source === "fullscript" ? "fullscript" : "app",
      category: (categories as readonly string[]).includes(it.category) ? (it.category as HistoryCategory) : "other",
    })),
  };
}

/** A failure as the practitioner sees it: what happened, what to do, and the detail for support. */
export interface AppError {
  message: string;
  fix: string;
  detail: string;
  /** Names a problem the window has its own way out of (e.g. "browser_not_opened"). */
  code?: string;
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
  if (isErrorView(err)) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && code !== ""
      ? { message: err.message, fix: err.fix, detail: err.detail, code }
      : { message: err.message, fix: err.fix, detail: err.detail };
  }
  if (err instanceof Error) return { ...appFault, detail: err.message };
  if (typeof err === "string" && err !== "") return { ...appFault, detail: err };
  return { ...appFault, detail: "" };
}
