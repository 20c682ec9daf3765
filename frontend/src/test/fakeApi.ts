import { vi } from "vitest";
import type { Account, CompanionApi, Overview } from "../api/companionApi";

/** A CompanionApi whose answers a test sets; it records every call. */
export function fakeApi(overview: () => Promise<Overview>) {
  return {
    overview: vi.fn(overview),
    frontendReady: vi.fn<CompanionApi["frontendReady"]>(() => Promise.resolve()),
  } satisfies CompanionApi;
}

export function overviewWith(accounts: Account[] = []): Overview {
  return { appVersion: "v0.1.0-test", environment: "local", dataDir: "/tmp/data", accounts };
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
