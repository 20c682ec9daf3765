// The real app where production Fullscript is: its built-in sandbox frames
// Embed pages for https origins only (production-origins mode), so the
// window's own origin is refused. `go tool wails dev` driven from headless
// Chromium, as in app.e2e.test.ts; the system browser is Chromium too.
//
//   cd frontend && npm run test:browser -- e2e/redirect.e2e.test.ts
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appEnv,
  approveInBrowser,
  browserStub,
  devServerURL,
  launchChromium,
  nextBrowserURL,
  sandboxURLOf,
  startWailsDev,
  startXvfb,
  tempDir,
  type RunningApp,
} from "./appHarness";
import { repoRoot } from "./sandboxHarness";

const screenshotDir = path.join(repoRoot, "build/e2e");

let xvfb: { display: string; stop(): void };
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let stub: ReturnType<typeof browserStub>;
let dir: string;

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  dir = tempDir("fsc-redirect-e2e-");
  stub = browserStub(dir);
  xvfb = await startXvfb();
  app = await startWailsDev(appEnv(dir, stub, xvfb.display, { FSC_SANDBOX_PRODUCTION_ORIGINS: "1" }));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(devServerURL);
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  xvfb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The person, in the system browser, on the page the app sent it to. */
async function inTheBrowser(before: number): Promise<Page> {
  const url = await nextBrowserURL(stub, before);
  expect(url.startsWith(`${sandboxURLOf(app)}/redirect/treatment_plan?link=`)).toBe(true);
  const tab = await context.newPage();
  await tab.goto(url);
  return tab;
}

type SandboxState = {
  plans: { id: string; patient_id: string; practitioner_id: string; state: string }[];
  links: { kind: string; entrypoint: string; patient?: { email?: string; id?: string } }[];
  events: { outcome: string; reason?: string }[];
};

async function sandboxState(): Promise<SandboxState> {
  return (await (await fetch(`${sandboxURLOf(app)}/_sandbox/state`)).json()) as SandboxState;
}

describe("Fullscript where it will not frame the window", () => {
  it("opens the treatment plan in the browser, where it is activated, and the patient's plans show it", async () => {
    await page.getByRole("heading", { name: "Add your first Fullscript account" }).waitFor();
    let before = stub.urls().length;
    await page.locator("main").getByRole("button", { name: /Add/ }).click();
    await approveInBrowser(context, stub, before, /Dr\. Ada Moss.*ada\.moss/, "Signed in as Dr. Ada Moss at Riverside Wellness Clinic");
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();

    await page.getByRole("combobox", { name: "Patient" }).fill("kline");
    await page.getByRole("option", { name: /^Amos Kline/ }).first().click();
    // Automatic found the frame refused: every button says the browser.
    const plan = page.getByRole("button", { name: "Treatment plan ↗ opens in your browser" });
    await expect.poll(() => plan.isEnabled()).toBe(true);
    for (const name of ["Catalog", "Labs"]) {
      expect(await page.getByRole("button", { name: `${name} ↗ opens in your browser` }).count()).toBe(1);
    }
    expect(await page.getByText(/does not show its screens inside this app/).count()).toBe(1);
    await page.getByRole("region", { name: "Treatment plans for Amos Kline" }).getByText("No treatment plans yet.").waitFor();
    await page.screenshot({ path: path.join(screenshotDir, "redirect-buttons.png") });

    before = stub.urls().length;
    await plan.click();
    const tab = await inTheBrowser(before);
    // No iframe here, and no grant: a Redirect link, for this patient, found by id.
    expect((await sandboxState()).links.at(-1)).toMatchObject({ kind: "gateway", entrypoint: "catalog", patient: { id: expect.any(String) } });
    await page.getByText("Opened in your browser: Treatment plan for Amos Kline").waitFor();
    await page.screenshot({ path: path.join(screenshotDir, "redirect-opened.png") });

    // The browser has no Fullscript session yet: the sandbox asks to sign in, as the link's person.
    await tab.getByRole("heading", { name: "Sign in to Fullscript" }).waitFor();
    expect(await tab.getByRole("radio", { name: /Dr\. Ada Moss/ }).isChecked()).toBe(true);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByText("Matched").waitFor();
    expect(await tab.getByText("Amos Kline").count()).toBeGreaterThan(0);
    await tab.getByRole("button", { name: "Add Magnesium Glycinate" }).click();
    await tab.screenshot({ path: path.join(screenshotDir, "redirect-sandbox-page.png") });
    await tab.getByRole("button", { name: "Activate treatment plan" }).click();
    await tab.getByText("Treatment plan activated and sent to the patient.").waitFor();
    await tab.close();

    // Back in the window: the patient's plans show the new one.
    const plans = page.getByRole("region", { name: "Treatment plans for Amos Kline" });
    await plans.getByRole("button", { name: "Refresh" }).click();
    await plans.getByText("Magnesium Glycinate").waitFor();
    expect(await plans.getByRole("listitem").count()).toBe(1);
    expect(await plans.getByRole("listitem").textContent()).toContain("Dr. Ada Moss");
    const st = await sandboxState();
    expect(st.plans.filter((p) => p.state === "active")).toHaveLength(1);
    expect(st.events.at(-1)).toMatchObject({ outcome: "redirect" });
    await page.screenshot({ path: path.join(screenshotDir, "redirect-plans.png") });

    // History has the opening.
    await page.getByRole("button", { name: "History" }).click();
    // (The kept workspace, hidden, lists the patient's History too.)
    const history = page.getByRole("region", { name: "History", exact: true });
    await history.getByText("Treatment plan opened in the browser").waitFor();
    expect(await history.getByRole("cell", { name: "Opened in the browser", exact: true }).count()).toBe(1);
  }, 240_000);

  it("a silent Embed (the frame refused) offers the browser in one click, and remembers it", async () => {
    // Settings: in this window, whatever Fullscript says.
    await page.getByRole("button", { name: "Settings" }).click();
    const mode = page.getByLabel(/How Fullscript opens \(Built-in sandbox\)/);
    await mode.selectOption("window");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved", { exact: true }).waitFor();

    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).click();
    const catalog = page.getByRole("button", { name: "Catalog · opens here" });
    await expect.poll(() => catalog.isEnabled()).toBe(true);
    await catalog.click();
    // The frame is refused: blank, silent. After the silence the app checks and says so.
    const refused = page.getByRole("alert").filter({ hasText: "Fullscript does not show its screens inside this app" });
    await refused.waitFor({ timeout: 30_000 });
    expect((await sandboxState()).events.at(-1)).toMatchObject({ outcome: "refused", reason: "origin_not_allowed" });
    await page.screenshot({ path: path.join(screenshotDir, "redirect-refused-embed.png") });

    const before = stub.urls().length;
    await refused.getByRole("checkbox", { name: /Always open Fullscript in the browser/ }).check();
    await refused.getByRole("button", { name: "Open in the browser instead" }).click();
    const tab = await inTheBrowser(before);
    // Signed in already (the first test's sign-in, so this test runs after it): straight to Fullscript's catalog.
    await tab.getByRole("heading", { name: "Catalog" }).waitFor();
    expect((await sandboxState()).links.at(-1)).toMatchObject({ kind: "gateway", entrypoint: "catalog" });
    await tab.close();
    await page.getByText("Opened in your browser: Catalog").waitFor();

    // Remembered: from now on the buttons say the browser.
    await page.getByRole("button", { name: "Close" }).click();
    await page.getByRole("button", { name: "Labs ↗ opens in your browser" }).waitFor();
    await page.getByText("Settings say to open Fullscript in your browser.").waitFor();
  }, 120_000);

  // Issue 14, item 1: the frame (header, sidebar) stays put; only the content scrolls.
  it("keeps the header and sidebar in view at the smallest window and at 1280x800; only the content scrolls", async () => {
    await page.getByRole("button", { name: "Diagnostics" }).click();
    await page.getByRole("button", { name: "Check connection" }).click();
    await page.getByRole("button", { name: "Check again" }).waitFor();
    for (const size of [
      { width: 1064, height: 640 },
      { width: 1280, height: 800 },
    ]) {
      await page.setViewportSize(size);
      const layout = await page.evaluate(() => {
        const main = document.querySelector<HTMLElement>(".workspace__main")!;
        main.scrollTop = main.scrollHeight; // as far down as the content goes
        const rect = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
        return {
          pageScrolls: document.scrollingElement!.scrollHeight > window.innerHeight,
          contentScrolls: main.scrollHeight > main.clientHeight,
          header: rect("header").top,
          nav: rect(".sidebar-nav").bottom,
          height: window.innerHeight,
        };
      });
      expect(layout.pageScrolls).toBe(false);
      expect(layout.header).toBe(0);
      expect(layout.nav).toBeLessThanOrEqual(layout.height);
      // At the smallest size Diagnostics is taller than the window: the content area scrolls.
      if (size.height === 640) expect(layout.contentScrolls).toBe(true);
      await page.screenshot({ path: path.join(screenshotDir, `frame-diagnostics-${size.width}x${size.height}.png`) });
    }
    // A treatment plan at the smallest size: Fullscript gets the height left, no second scrollbar.
    // (In this window, as Settings say: the sandbox refuses it here, which leaves the layout the same.)
    await page.setViewportSize({ width: 1064, height: 640 });
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByLabel(/How Fullscript opens \(Built-in sandbox\)/).selectOption("window");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved", { exact: true }).waitFor();
    await page.getByRole("button", { name: /^Dr\. Ada Moss/ }).click();
    await page.getByRole("button", { name: "Treatment plan · opens here" }).click();
    await page.getByRole("region", { name: /^Treatment plan/ }).waitFor();
    const main = await page.evaluate(() => {
      const m = document.querySelector<HTMLElement>(".workspace__main")!;
      return { scrolls: m.scrollHeight > m.clientHeight, pageScrolls: document.scrollingElement!.scrollHeight > window.innerHeight };
    });
    expect(main).toEqual({ scrolls: false, pageScrolls: false });
    await page.screenshot({ path: path.join(screenshotDir, "frame-treatment-plan-1064x640.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);
});
