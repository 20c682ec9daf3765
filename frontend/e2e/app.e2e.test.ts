// The real app end to end: `go tool wails dev` (the real Go bindings, the
// built-in sandbox, the vault on disk) driven from headless Chromium at
// http://localhost:34115. The system browser is Chromium too: an `xdg-open`
// stand-in hands the sign-in address to the test, which opens it in a
// second page and approves on the sandbox's consent page.
//
//   cd frontend && npm run test:browser -- e2e/app.e2e.test.ts
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appEnv,
  approveInBrowser as approve,
  nextBrowserURL,
  browserStub,
  devServerURL,
  launchChromium,
  sandboxURLOf,
  startWailsDev,
  startXvfb,
  tempDir,
  type RunningApp,
} from "./appHarness";
import { repoRoot, sandboxBinary } from "./sandboxHarness";

const screenshotDir = path.join(repoRoot, "build/e2e");

let xvfb: { display: string; stop(): void };
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let stub: ReturnType<typeof browserStub>;
let env: NodeJS.ProcessEnv;
let dir: string;
/** Every message the page exchanged with the Go side (the Wails IPC websocket). */
const frames: string[] = [];

async function openApp(): Promise<void> {
  page = await context.newPage();
  page.on("websocket", (ws) => {
    ws.on("framereceived", (f) => frames.push(String(f.payload)));
    ws.on("framesent", (f) => frames.push(String(f.payload)));
  });
  await page.goto(devServerURL);
}

const sandboxURL = () => sandboxURLOf(app);
const approveInBrowser = (before: number, who: RegExp, named: string) => approve(context, stub, before, who, named);

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  dir = tempDir("fsc-app-e2e-");
  stub = browserStub(dir);
  xvfb = await startXvfb();
  env = appEnv(dir, stub, xvfb.display);
  app = await startWailsDev(env);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await openApp();
}, 360_000);

// A failure comes with what the app said: its log is the only record of
// what the Go side did (a launch handed over, a call that failed).
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail" && app) console.error(`--- the app's log, last 12 KB ---\n${app.logs().slice(-12_000)}`);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  xvfb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the practitioner's window, end to end", () => {
  it("signs in twice, opens a treatment plan, records it, signs out, and keeps it all over a restart", async () => {
    // First run: the welcome screen, on the built-in sandbox.
    await page.getByRole("heading", { name: "Add your first Fullscript account" }).waitFor();
    let before = stub.urls().length;
    await page.locator("main").getByRole("button", { name: /Add/ }).click();
    await page.getByText(/Sign in to Fullscript in the browser window that opened/).waitFor();
    await approveInBrowser(before, /Dr\. Ada Moss.*ada\.moss/, "Signed in as Dr. Ada Moss at Riverside Wellness Clinic");
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();

    // A second account: another clinic, another person.
    before = stub.urls().length;
    await page.getByRole("button", { name: /Add account/ }).click();
    await approveInBrowser(before, /Dr\. Chloe Tremblay/, "Signed in as Dr. Chloe Tremblay at");
    await page.getByRole("button", { name: /^Dr\. Chloe Tremblay/ }).waitFor();
    await expect.poll(() => page.getByRole("region", { name: "Northside Integrative Health" }).count()).toBe(1);
    // The app lands on the account just added (issue 14, item 2).
    await expect.poll(() => page.getByRole("banner").textContent()).toContain("Dr. Chloe Tremblay");
    expect(await page.getByRole("button", { name: /^Dr\. Chloe Tremblay/ }).getAttribute("aria-current")).toBe("true");

    // Cancel in the app, then Authorize in the browser after all (item 7):
    // the browser is told the sign-in was cancelled, and no account is added.
    before = stub.urls().length;
    await page.getByRole("button", { name: /Add account/ }).click();
    const late = await nextBrowserURL(stub, before);
    // `wails dev` serves each browser tab's calls one at a time, so the
    // Cancel button's call would wait behind the sign-in's own; the real
    // window makes calls side by side. A second tab of the app makes the
    // same call (CancelSignIn, what Cancel calls), as the window would.
    const second = await context.newPage();
    await second.goto(devServerURL);
    await second.waitForFunction(() => "go" in window);
    await second.evaluate(() => (window as unknown as { go: { main: { App: { CancelSignIn(): Promise<void> } } } }).go.main.App.CancelSignIn());
    await second.close();
    await page.getByText("Signing in was cancelled.").waitFor();
    const consent = await context.newPage();
    await consent.goto(late);
    await consent.getByRole("radio", { name: /Dr\. Ada Moss.*ada\.moss/ }).first().check();
    await consent.getByRole("button", { name: "Authorize" }).click();
    await consent.getByRole("heading", { name: "This sign-in was cancelled in Fullscript Companion" }).waitFor();
    await consent.close();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).count()).toBe(1);

    // Back to Ada at Riverside: find the patient, open the treatment plan.
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).click();
    await page.getByRole("combobox", { name: "Patient" }).fill("kline");
    const first = page.getByRole("option").first();
    await first.waitFor();
    const patientName = ((await first.textContent()) ?? "").match(/^Amos Kline/)?.[0];
    expect(patientName).toBe("Amos Kline");
    await first.click();
    // The built-in sandbox frames its screens for this window: they open here.
    const plan = page.getByRole("button", { name: "Treatment plan · opens here" });
    await expect.poll(() => plan.isEnabled()).toBe(true);
    await plan.click();
    const fullscript = page.frameLocator(".workspace__main iframe");
    await fullscript.getByRole("button", { name: "Activate treatment plan" }).waitFor({ timeout: 30_000 });
    // The patient reached Fullscript's screen, matched by id.
    await fullscript.getByText("Matched").waitFor();
    await fullscript.getByRole("button", { name: "Add Magnesium Glycinate" }).click();
    await fullscript.getByRole("button", { name: "Add Omega-3 Fish Oil" }).click();
    await page.screenshot({ path: path.join(screenshotDir, "app-treatment-plan.png") });
    await fullscript.getByRole("button", { name: "Activate treatment plan" }).click();
    await page.getByText(/Plan activated for Amos Kline/).waitFor();

    // History has it.
    await page.getByRole("button", { name: "History" }).click();
    const history = page.locator("main");
    await history.getByText("Magnesium Glycinate, Omega-3 Fish Oil").waitFor();
    expect(await history.textContent()).toContain("Amos Kline");
    // Back from History: the patient and Fullscript's screen are as they were,
    // and no grant was spent to show them again (item 3).
    type Claimed = { grants: { id: string; claimed_at: string | null }[] };
    const claimedNow = async () => ((await (await fetch(`${sandboxURL()}/_sandbox/state`)).json()) as Claimed).grants.filter((g) => g.claimed_at).length;
    const claimed = await claimedNow();
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).click();
    await page.getByRole("button", { name: "Clear patient Amos Kline" }).waitFor();
    await fullscript.getByText("Treatment plan activated and sent to the patient.").waitFor();
    expect(await claimedNow()).toBe(claimed);

    // Sign Chloe out, with the confirmation.
    await page.getByRole("button", { name: "Actions for Dr. Chloe Tremblay" }).click();
    await page.getByRole("menuitem", { name: /Sign out/ }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain("Northside Integrative Health");
    await dialog.getByRole("button", { name: "Sign out" }).click();
    await dialog.getByText(/revoked/i).first().waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.getByRole("button", { name: /^Dr\. Chloe Tremblay/ }).count()).toBe(0);

    // The sandbox agrees: Chloe's sign-in is revoked, Ada's plan is there.
    const state = (await (await fetch(`${sandboxURL()}/_sandbox/state`)).json()) as {
      tokens: { access_token: string; refresh_token: string; user_id: string; status: string }[];
      plans: { patient_id: string; state: string }[];
    };
    expect(state.plans.filter((p) => p.state === "active")).toHaveLength(1);

    // No access or refresh token ever reached the page.
    expect(frames.length).toBeGreaterThan(10);
    const seen = frames.join("\n");
    expect(seen).toContain("secretToken"); // the one secret the page needs: a grant
    for (const t of state.tokens) {
      expect(seen).not.toContain(t.access_token);
      expect(seen).not.toContain(t.refresh_token);
    }

    // Restart the app on the same data folder: the state is kept.
    await page.close();
    expect(await app.stop()).not.toBeNull();
    app = await startWailsDev(env);
    await openApp();
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();
    expect(await page.getByRole("button", { name: /^Dr\. Chloe Tremblay/ }).count()).toBe(0);
    await page.getByRole("button", { name: "History" }).click();
    await page.locator("main").getByText("Magnesium Glycinate, Omega-3 Fish Oil").waitFor();
    // And the sign-in still works: Fullscript opens, with a fresh grant,
    // even when Fullscript first answers INVALID_SECRET_TOKEN (the real
    // library's serverError): the window retries once with a new grant.
    const sb = sandboxURL();
    const fault = await fetch(`${sb}/_sandbox/faults`, {
      method: "POST",
      // JSON, as the sandbox's control routes require of anything but a web page.
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "/api/embeddable/session/*", kind: "invalid_secret_token", count: 1 }),
    });
    expect(fault.status).toBe(201);
    type Grant = { id: string; claimed_at: string | null };
    const grantsBefore = new Set(((await (await fetch(`${sb}/_sandbox/state`)).json()) as { grants: Grant[] }).grants.map((g) => g.id));
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).click();
    await page.getByRole("button", { name: /^Catalog/ }).click();
    await page.frameLocator(".workspace__main iframe").getByRole("heading", { name: "Catalog" }).waitFor({ timeout: 30_000 });
    const after = (await (await fetch(`${sb}/_sandbox/state`)).json()) as {
      grants: Grant[];
      events: { outcome: string; reason?: string }[];
    };
    // The refused grant, then a new one that opened the screen. (React's
    // development mode mounts twice, so `wails dev` may fetch one more,
    // never used: a grant is only ever spent by the screen that shows.)
    // New grants are told apart by id, not by place in the list.
    const fresh = after.grants.filter((g) => !grantsBefore.has(g.id));
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(fresh.filter((g) => g.claimed_at !== null)).toHaveLength(1);
    // The one spent is the newest: the retry's, after the refused one.
    expect(fresh.at(-1)?.claimed_at).not.toBeNull();
    expect(after.events.filter((e) => e.reason === "INVALID_SECRET_TOKEN: injected fault")).toHaveLength(1);
    // `open --patient-email` of a patient the clinic has (item 4), handed to
    // this window by a second launch: it opens that patient (Fullscript
    // matches by id), not a new one; and the launch exits 0.
    const opened = spawnSync(
      sandboxBinary(),
      ["open", "--account", "Riverside Wellness Clinic", "--patient-email", "amos.kline.1@example.com", "--feature", "treatment-plan"],
      { env: app.env, encoding: "utf8", timeout: 30_000 },
    );
    expect(opened.status, opened.stderr).toBe(0);
    await page.getByRole("button", { name: /^Clear patient Amos Kline/ }).waitFor();
    await page.frameLocator(".workspace__main iframe").getByText("Matched").waitFor({ timeout: 30_000 });

    // Settings and sign-in agree (item 5): an environment saved with nothing
    // set says what it still needs, and Add account on it points to Settings.
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByLabel("Environment for new sign-ins").selectOption("us-snd");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved. Still needed for US sandbox: client id, client secret, redirect URI and Embed public key.").waitFor();
    await page.getByRole("button", { name: /Add account/ }).click();
    const unset = page.getByRole("alert").filter({ hasText: "No client id, client secret or redirect URI is set for Fullscript's US sandbox." });
    await unset.waitFor();
    expect(await unset.textContent()).not.toContain("FULLSCRIPT_CLIENT_ID");
    await unset.getByRole("button", { name: "Open Settings" }).click();
    await page.getByLabel("Environment for new sign-ins").selectOption("local");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved", { exact: true }).waitFor();

    // The window follows the system's dark preference (Fullscript's screen keeps its own look).
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(screenshotDir, "app-dark.png") });
  }, 420_000);
});
