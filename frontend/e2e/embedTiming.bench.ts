// Time to embed (issue 12), for `make bench`, not `make test`: in the real
// app under `wails dev`, a click on Treatment plan to the Embed iframe's
// load (the screen's page with its script and styles; the sandbox's screen
// posts no message until the practitioner acts, so a first message is not
// a mark here); beside it, interleaved, the sandbox's own grant (asked from
// Node) plus fullscript-js mounting it, for the same patient, in a bare page
// of the same browser.
// Writes build/bench/embed.json.
//
//   cd frontend && npm run bench:embed
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appEnv,
  approveInBrowser,
  browserStub,
  devServerURL,
  launchChromium,
  sandboxURLOf,
  startWailsDev,
  startXvfb,
  tempDir,
  type RunningApp,
} from "./appHarness";
import { createGrant, getInfo, getState, repoRoot, startHostServer, type HostServer, type SandboxInfo } from "./sandboxHarness";

const rounds = Number(process.env["BENCH_EMBED_ROUNDS"] ?? "9");

let xvfb: { display: string; stop(): void };
let app: RunningApp;
let host: HostServer;
let browser: Browser;
let context: BrowserContext;
let dir: string;
let stubOf: ReturnType<typeof browserStub>;

beforeAll(async () => {
  dir = tempDir("fsc-embed-bench-");
  const stub = browserStub(dir);
  host = await startHostServer();
  xvfb = await startXvfb();
  app = await startWailsDev(appEnv(dir, stub, xvfb.display, { FSC_SANDBOX_ALLOW_ORIGINS: `${devServerURL} ${host.origin}` }));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  stubOf = stub;
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await host?.close();
  xvfb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** In a page: marks for the next mount (its iframe's load, the first message from the Embed origin). */
async function instrument(page: Page, embedOrigin: string): Promise<void> {
  await page.evaluate((origin) => {
    const w = window as unknown as { __t: { t0: number; load: number; message: number } };
    w.__t = { t0: 0, load: 0, message: 0 };
    window.addEventListener("message", (e) => {
      if (e.origin === origin && w.__t.t0 && !w.__t.message) w.__t.message = performance.now();
    });
    new MutationObserver((muts) => {
      for (const m of muts)
        for (const n of m.addedNodes) {
          const frames = n instanceof HTMLIFrameElement ? [n] : n instanceof Element ? [...n.querySelectorAll("iframe")] : [];
          for (const f of frames)
            f.addEventListener("load", () => {
              if (w.__t.t0 && !w.__t.load) w.__t.load = performance.now();
            });
        }
    }).observe(document.body, { subtree: true, childList: true });
  }, embedOrigin);
}

interface Mark {
  load: number;
}

async function marks(page: Page): Promise<Mark> {
  await waitMarks(page).catch(async (err: unknown) => {
    const seen = await page.evaluate(() => ({
      t: (window as unknown as { __t: unknown }).__t,
      frames: [...document.querySelectorAll("iframe")].map((f) => f.src.slice(0, 60)),
    }));
    await page.screenshot({ path: path.join(repoRoot, "build/e2e/embed-bench-timeout.png") });
    throw new Error(`no load mark: ${JSON.stringify(seen)}: ${String(err)}`);
  });
  return page.evaluate(() => {
    const t = (window as unknown as { __t: { t0: number; load: number; message: number } }).__t;
    return { load: t.load - t.t0 };
  });
}

async function waitMarks(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const t = (window as unknown as { __t: { load: number; message: number } }).__t;
      return t.load > 0;
    },
    undefined,
    { timeout: 30_000 },
  );
}

/** Clicks a button by its accessible name, starting the clock in the same task. */
async function clickTimed(page: Page, name: string): Promise<void> {
  await page.evaluate((label) => {
    const w = window as unknown as { __t: { t0: number; load: number; message: number } };
    const button = [...document.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === label || b.textContent?.replace(/\s+/g, " ").trim() === label);
    if (!button) throw new Error(`no button ${label}`);
    w.__t = { t0: performance.now(), load: 0, message: 0 };
    button.click();
  }, name);
}

describe("time to embed", () => {
  it(`a click on Treatment plan, beside the sandbox's grant and fullscript-js in a bare page, ${rounds} rounds`, async () => {
    // Sign in (expect.poll, inside the harness, wants a test around it).
    const signInPage = await context.newPage();
    await signInPage.goto(devServerURL);
    await signInPage.getByRole("heading", { name: "Add your first Fullscript account" }).waitFor();
    await signInPage.locator("main").getByRole("button", { name: /Add/ }).click();
    await approveInBrowser(context, stubOf, 0, /Dr\. Ada Moss.*ada\.moss/, "Signed in as Dr. Ada Moss at Riverside Wellness Clinic");
    await signInPage.getByRole("button", { name: /^Dr\. Ada Moss/ }).waitFor();
    await signInPage.close();

    const sandbox = sandboxURLOf(app);
    const info: SandboxInfo = await getInfo(sandbox);
    const embedOrigin = new URL(info.embed_domain).origin;
    const access = [...(await getState(sandbox)).tokens].reverse().find((t) => t.status === "live")?.access_token ?? "";
    expect(access).not.toBe("");

    // The same patient the app opens, by id, as the app hands it to fullscript-js.
    const found = (await (
      await fetch(`${info.api_base}/clinic/search/patients?query=kline`, { headers: { Authorization: `Bearer ${access}` } })
    ).json()) as { patients: { id: string; first_name: string }[] };
    const patientId = found.patients.find((p) => p.first_name === "Amos")?.id ?? "";
    expect(patientId).not.toBe("");

    const appPage = await context.newPage();
    await appPage.goto(devServerURL);
    await appPage.getByRole("combobox", { name: "Patient" }).fill("kline");
    await appPage.getByRole("option").first().click();
    const plan = appPage.getByRole("button", { name: "Treatment plan · opens here" });
    await expect.poll(() => plan.isEnabled()).toBe(true);
    await instrument(appPage, embedOrigin);

    const basePage = await context.newPage();
    await basePage.goto(host.origin);
    await instrument(basePage, embedOrigin);

    const out = { appIframeMs: [] as number[], baseIframeMs: [] as number[], rounds };
    for (let i = 0; i < rounds + 1; i++) {
      // The app: Treatment plan, then Catalog (another mount) to leave it.
      await clickTimed(appPage, "Treatment plan · opens here");
      const a = await marks(appPage);
      await clickTimed(appPage, "Catalog · opens here");
      await marks(appPage);

      // The baseline: the sandbox's own grant, then fullscript-js mounts it.
      const g0 = performance.now();
      const grant = await createGrant(info, access);
      const grantMs = performance.now() - g0;
      await basePage.evaluate(
        async ({ secretToken, options, patientId }) => {
          const w = window as unknown as {
            __t: { t0: number; load: number; message: number };
            __feature?: { unmount(): void };
            __client?: { create(f: string, o: object): { mount(id: string): Promise<void>; unmount(): void } };
            Fullscript(o: object): NonNullable<(typeof w)["__client"]>;
          };
          w.__feature?.unmount();
          w.__client ??= w.Fullscript(options);
          w.__t = { t0: performance.now(), load: 0, message: 0 };
          const f = w.__client.create("treatmentPlan", { secretToken, patient: { id: patientId } });
          w.__feature = f;
          await f.mount("mount");
        },
        { secretToken: grant.secret_token, patientId, options: { publicKey: info.public_key, env: info.embed_env, domain: info.embed_domain } },
      );
      const b = await marks(basePage);
      if (i === 0) continue; // the first round warms both up
      out.appIframeMs.push(a.load);
      out.baseIframeMs.push(grantMs + b.load);
    }
    const file = path.join(repoRoot, "build/bench/embed.json");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
    console.log(JSON.stringify(out));
    expect(out.appIframeMs.length).toBe(rounds);
  }, 600_000);
});
