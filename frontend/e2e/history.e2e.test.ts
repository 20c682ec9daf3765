// History end to end in the real app (`go tool wails dev`, the built-in
// sandbox, the vault on disk), driven from headless Chromium: an order
// placed "elsewhere" (the sandbox's control route) appears within one
// check, with the unread count; a restart keeps it; while Fullscript cannot
// be reached checking pauses to one probe and resumes after; a 429's
// Retry-After is honoured (the sandbox's request log shows the gap); and a
// sign-out keeps History unless "Remove the account and its history".
//
//   cd frontend && npm run test:browser -- e2e/history.e2e.test.ts
import { rmSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appEnv,
  approveInBrowser as approve,
  browserStub,
  devServerURL,
  launchChromium,
  sandboxURLOf,
  startWailsDev,
  startXvfb,
  tempDir,
  type RunningApp,
} from "./appHarness";
import { repoRoot } from "./sandboxHarness";

let xvfb: { display: string; stop(): void };
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let stub: ReturnType<typeof browserStub>;
let env: NodeJS.ProcessEnv;
let dir: string;

type Logged = { at: string; method: string; path: string; status: number };
type Info = { clinics: { id: string; name: string }[] };

const sandboxURL = () => sandboxURLOf(app);
const approveInBrowser = (before: number, who: RegExp, named: string) => approve(context, stub, before, who, named);

async function sandbox<T>(route: string, body?: unknown): Promise<T> {
  // undefined: GET; null: DELETE; anything else: POSTed as JSON (the control routes refuse web forms).
  let init: RequestInit = {};
  if (body === null) init = { method: "DELETE" };
  else if (body !== undefined) init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(`${sandboxURL()}${route}`, init);
  expect(res.ok, `${route}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}
const eventRequests = async () => (await sandbox<{ requests: Logged[] }>("/_sandbox/requests")).requests.filter((r) => r.path.startsWith("/api/events/"));

async function openApp(): Promise<void> {
  page = await context.newPage();
  await page.goto(devServerURL);
  await page.waitForFunction(() => "go" in window);
}

/** Sets how often the window checks, as Settings would (a demo's 5 seconds is below its list). */
async function checkEvery(seconds: number): Promise<void> {
  await page.evaluate(
    (everySec) => (window as unknown as { go: { main: { App: { SaveEventSettings(s: object): Promise<unknown> } } } }).go.main.App.SaveEventSettings({ everySec, notify: false }),
    seconds,
  );
}

const historyButton = () => page.getByRole("navigation", { name: "App" }).getByRole("button", { name: /^History/ });

beforeAll(async () => {
  dir = tempDir("fsc-history-e2e-");
  stub = browserStub(dir);
  xvfb = await startXvfb();
  env = appEnv(dir, stub, xvfb.display);
  app = await startWailsDev(env);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await openApp();
}, 360_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === "fail" && app) console.error(`--- the app's log, last 12 KB ---\n${app.logs().slice(-12_000)}`);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  xvfb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("History, end to end", () => {
  it("shows what happened elsewhere within one check, keeps it, pauses offline, honours Retry-After, and survives sign-out", async () => {
    await page.getByRole("heading", { name: "Add your first Fullscript account" }).waitFor();
    let before = stub.urls().length;
    await page.locator("main").getByRole("button", { name: /Add/ }).click();
    await approveInBrowser(before, /Dr\. Ada Moss.*ada\.moss/, "Signed in as Dr. Ada Moss at Riverside Wellness Clinic");
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();
    before = stub.urls().length;
    await page.getByRole("button", { name: /Add account/ }).click();
    await approveInBrowser(before, /Dr\. Chloe Tremblay/, "Signed in as Dr. Chloe Tremblay at");
    await page.getByRole("button", { name: /^Dr\. Chloe Tremblay/ }).waitFor();

    const info = await sandbox<Info>("/_sandbox/info");
    const riverside = info.clinics.find((c) => c.name === "Riverside Wellness Clinic")!.id;
    const northside = info.clinics.find((c) => c.name === "Northside Integrative Health")!.id;
    await checkEvery(5);
    // The first check of each clinic (its backfill): four lists each.
    await expect.poll(async () => (await eventRequests()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(8);

    // A patient orders, elsewhere: within one check (5 s), History has it, counted new.
    await sandbox("/_sandbox/happen", { what: "order_placed", clinic_id: riverside });
    await expect.poll(async () => (await historyButton().textContent()) ?? "", { timeout: 20_000 }).toContain("1");
    expect(await historyButton().getAttribute("aria-current")).toBeNull();
    await historyButton().click();
    const row = page.getByRole("row").filter({ hasText: "Order placed" });
    await row.waitFor();
    expect(await row.textContent()).toContain("New");
    expect(await row.textContent()).toContain("Magnesium Glycinate");
    expect(await row.textContent()).toContain("Riverside Wellness Clinic");
    await page.getByText("1 new from Fullscript since you last looked.").waitFor();
    await page.screenshot({ path: path.join(repoRoot, "build/e2e/app-history.png") });
    // Seen: the count goes.
    await expect.poll(async () => (await historyButton().textContent()) ?? "").toBe("History");

    // A restart keeps it.
    await page.close();
    expect(await app.stop()).not.toBeNull();
    app = await startWailsDev(env);
    await openApp();
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();
    await historyButton().click();
    await page.getByRole("row").filter({ hasText: "Order placed" }).waitFor();

    // Fullscript cannot be reached (every events call dropped): the window
    // says so, and each check is one probe, not the eight lists of two clinics.
    await sandbox("/_sandbox/faults", { path: "/api/events/*", kind: "drop" });
    await page.getByText(/Fullscript cannot be reached; the app checks again when it can/).waitFor({ timeout: 20_000 });
    const offlineFrom = (await eventRequests()).length;
    await new Promise((r) => setTimeout(r, 12_000));
    const offline = (await eventRequests()).slice(offlineFrom);
    expect(offline.length).toBeGreaterThanOrEqual(1);
    expect(offline.length).toBeLessThan(8); // about one probe per 5 s, never a full check of two clinics
    // Back: a lab result at Northside arrives.
    await sandbox("/_sandbox/faults", null);
    await sandbox("/_sandbox/happen", { what: "lab_results", clinic_id: northside });
    await page.getByRole("row").filter({ hasText: "Lab results available" }).waitFor({ timeout: 20_000 });
    expect(await page.getByText(/Fullscript cannot be reached/).count()).toBe(0);

    // A 429 asking for 8 s (longer than the 5 s interval): the next events
    // request comes no sooner.
    await sandbox("/_sandbox/faults", { path: "/api/events/*", kind: "rate_limit", retry_after: 8, count: 1 });
    await expect.poll(async () => (await eventRequests()).some((r) => r.status === 429), { timeout: 20_000 }).toBe(true);
    await expect
      .poll(async () => {
        const reqs = await eventRequests();
        const i = reqs.findIndex((r) => r.status === 429);
        return reqs.length > i + 1;
      }, { timeout: 30_000 })
      .toBe(true);
    const reqs = await eventRequests();
    const i = reqs.findIndex((r) => r.status === 429);
    const gap = Date.parse(reqs[i + 1]!.at) - Date.parse(reqs[i]!.at);
    expect(gap).toBeGreaterThanOrEqual(7_900);

    // Sign Ada out the plain way: Riverside's order stays in History.
    await page.getByRole("button", { name: "Actions for Dr. Ada Moss" }).click();
    await page.getByRole("menuitem", { name: /Sign out/ }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByText("Its history stays in History, readable on this computer.").waitFor();
    await dialog.getByRole("button", { name: "Sign out" }).click();
    await dialog.getByText("Its history stays in History.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    // Chloe, with "Remove the account and its history": Northside's lab result goes.
    await page.getByRole("button", { name: "Actions for Dr. Chloe Tremblay" }).click();
    await page.getByRole("menuitem", { name: /Sign out/ }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByRole("checkbox", { name: "Remove the account and its history" }).check();
    await dialog.getByRole("button", { name: "Sign out and remove" }).click();
    await dialog.getByText("Its history was removed from this computer.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();

    await historyButton().click();
    await page.getByRole("row").filter({ hasText: "Order placed" }).waitFor();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Lab results available" }).count()).toBe(0);
    const clinics = await page.getByLabel("Clinic").locator("option").allTextContents();
    expect(clinics).toContain("Riverside Wellness Clinic");
    expect(clinics).not.toContain("Northside Integrative Health");
  }, 480_000);
});
