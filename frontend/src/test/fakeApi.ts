import { vi } from "vitest";
import type { Account, CompanionApi, EventsStatus, HistoryItem, HistoryPage, LaunchIntent, MenuAction, Overview } from "../api/companionApi";

/**
 * A CompanionApi whose answers a test sets; it records every call. Calls a
 * test did not set reject, so an unexpected call shows up as an error.
 */
export function fakeApi(overview: () => Promise<Overview>, overrides: Partial<CompanionApi> = {}) {
  const unset = (name: string) => () => Promise.reject(new Error(`fakeApi: ${name} was not expected in this test`));
  const launchListeners = new Set<(intent: LaunchIntent) => void>();
  const menuListeners = new Set<(action: MenuAction) => void>();
  const historyListeners = new Set<() => void>();
  const api = {
    overview: vi.fn(overview),
    frontendReady: vi.fn<CompanionApi["frontendReady"]>(() => Promise.resolve()),
    signIn: vi.fn<CompanionApi["signIn"]>(unset("signIn")),
    cancelSignIn: vi.fn<CompanionApi["cancelSignIn"]>(() => Promise.resolve()),
    renameAccount: vi.fn<CompanionApi["renameAccount"]>(unset("renameAccount")),
    setDefaultAccount: vi.fn<CompanionApi["setDefaultAccount"]>(unset("setDefaultAccount")),
    signOut: vi.fn<CompanionApi["signOut"]>(unset("signOut")),
    retryPendingSignOuts: vi.fn<CompanionApi["retryPendingSignOuts"]>(() => Promise.resolve(0)),
    searchPatients: vi.fn<CompanionApi["searchPatients"]>(unset("searchPatients")),
    patient: vi.fn<CompanionApi["patient"]>(unset("patient")),
    recentPatients: vi.fn<CompanionApi["recentPatients"]>(() => Promise.resolve([])),
    validatePatient: vi.fn<CompanionApi["validatePatient"]>(() => Promise.resolve([])),
    rememberPatient: vi.fn<CompanionApi["rememberPatient"]>(() => Promise.resolve()),
    newSessionGrant: vi.fn<CompanionApi["newSessionGrant"]>(unset("newSessionGrant")),
    recordEmbedEvent: vi.fn<CompanionApi["recordEmbedEvent"]>(unset("recordEmbedEvent")),
    history: vi.fn<CompanionApi["history"]>(() => Promise.resolve([])),
    historyRecord: vi.fn<CompanionApi["historyRecord"]>(() => Promise.resolve(historyPage())),
    markHistorySeen: vi.fn<CompanionApi["markHistorySeen"]>(() => Promise.resolve()),
    unreadHistory: vi.fn<CompanionApi["unreadHistory"]>(() => Promise.resolve(0)),
    checkEventsNow: vi.fn<CompanionApi["checkEventsNow"]>(() => Promise.resolve(eventsStatus())),
    eventSettings: vi.fn<CompanionApi["eventSettings"]>(() => Promise.resolve({ everySec: 300, notify: true })),
    saveEventSettings: vi.fn<CompanionApi["saveEventSettings"]>((s) => Promise.resolve(s)),
    onHistory: vi.fn<CompanionApi["onHistory"]>((cb) => {
      historyListeners.add(cb);
      return () => historyListeners.delete(cb);
    }),
    settings: vi.fn<CompanionApi["settings"]>(unset("settings")),
    validateSettings: vi.fn<CompanionApi["validateSettings"]>(() => Promise.resolve([])),
    saveSettings: vi.fn<CompanionApi["saveSettings"]>(unset("saveSettings")),
    diagnostics: vi.fn<CompanionApi["diagnostics"]>(unset("diagnostics")),
    checkConnection: vi.fn<CompanionApi["checkConnection"]>(unset("checkConnection")),
    // Fullscript opens in the window unless a test says otherwise.
    howFullscriptOpens: vi.fn<CompanionApi["howFullscriptOpens"]>(() =>
      Promise.resolve({ setting: "automatic", opens: "window", reason: "Fullscript shows its screens in this window for the built-in sandbox." }),
    ),
    setOpenMode: vi.fn<CompanionApi["setOpenMode"]>(() => Promise.resolve()),
    embedFrameCheck: vi.fn<CompanionApi["embedFrameCheck"]>(() => Promise.resolve("allowed")),
    openInBrowser: vi.fn<CompanionApi["openInBrowser"]>(unset("openInBrowser")),
    copyBrowserLink: vi.fn<CompanionApi["copyBrowserLink"]>(unset("copyBrowserLink")),
    practitioners: vi.fn<CompanionApi["practitioners"]>(unset("practitioners")),
    prescriber: vi.fn<CompanionApi["prescriber"]>(() => Promise.resolve("")),
    setPrescriber: vi.fn<CompanionApi["setPrescriber"]>(() => Promise.resolve()),
    patientPlans: vi.fn<CompanionApi["patientPlans"]>(() => Promise.resolve({ plans: [], fetchedAt: "2030-01-01T00:00:00Z", saved: false, note: "" })),
    copyPlanInvitation: vi.fn<CompanionApi["copyPlanInvitation"]>(unset("copyPlanInvitation")),
    backups: vi.fn<CompanionApi["backups"]>(() => Promise.resolve([])),
    restoreBackup: vi.fn<CompanionApi["restoreBackup"]>(unset("restoreBackup")),
    startOver: vi.fn<CompanionApi["startOver"]>(unset("startOver")),
    launchIntent: vi.fn<CompanionApi["launchIntent"]>(() => Promise.resolve(null)),
    onLaunch: vi.fn<CompanionApi["onLaunch"]>((cb) => {
      launchListeners.add(cb);
      return () => launchListeners.delete(cb);
    }),
    onMenu: vi.fn<CompanionApi["onMenu"]>((cb) => {
      menuListeners.add(cb);
      return () => menuListeners.delete(cb);
    }),
    ...overrides,
  } satisfies CompanionApi;
  /** Plays a second `open` handing the window an intent. */
  const emitLaunch = (intent: LaunchIntent) => launchListeners.forEach((cb) => cb(intent));
  /** Plays a menu item chosen in the window's menu. */
  const emitMenu = (action: MenuAction) => menuListeners.forEach((cb) => cb(action));
  /** Plays a check that stored new events. */
  const emitHistory = () => historyListeners.forEach((cb) => cb());
  return Object.assign(api, { emitLaunch, emitMenu, emitHistory });
}

export function eventsStatus(overrides: Partial<EventsStatus> = {}): EventsStatus {
  return { checkedAt: null, checking: false, offline: false, waitUntil: null, problem: "", everySec: 300, notify: true, newInCheck: 0, ...overrides };
}

export function historyPage(overrides: Partial<HistoryPage> = {}): HistoryPage {
  return { items: [], unread: 0, clinics: [], people: [], patients: [], categories: [], unreadable: 0, checking: eventsStatus(), ...overrides };
}

export function historyItem(overrides: Partial<HistoryItem>): HistoryItem {
  return {
    id: "app:1",
    source: "app",
    kind: "treatmentPlan.activated",
    category: "plan",
    title: "Treatment plan activated",
    summary: "",
    at: "2030-01-02T15:04:05Z",
    environment: "us-snd",
    clinicKey: "us-snd|clinic-1",
    clinicName: "Riverside Clinic",
    personKey: "",
    personName: "",
    accountId: "acc-1",
    patientId: "",
    patientName: "",
    planId: "",
    unread: false,
    ...overrides,
  };
}

export function overviewWith(accounts: Account[] = [], overrides: Partial<Overview> = {}): Overview {
  return {
    appVersion: "v0.1.0-test",
    environment: "local",
    dataDir: "/tmp/data",
    keyStorage: "os-keyring",
    keyStorageNote: "",
    pendingSignOuts: 0,
    accounts,
    ...overrides,
  };
}

export function account(overrides: Partial<Account>): Account {
  return {
    id: "acc-1",
    environment: "us-snd",
    clinicId: "clinic-1",
    clinicName: "Riverside Clinic",
    userName: "Dr. Ada Moss",
    role: "practitioner",
    status: "valid",
    statusReason: "",
    label: "",
    isDefault: false,
    ...overrides,
  };
}

/** A promise the test resolves or rejects when it chooses. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
