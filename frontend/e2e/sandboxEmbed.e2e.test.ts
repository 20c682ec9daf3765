// The unmodified @fullscript/fullscript-js 3.2.0 (its UMD build) in headless
// Chromium, against the sandbox CLI: tokenize + CORS, the iframe URL, the
// postMessage protocol into feature.on callbacks, single-use grants, the
// origin allow-list, and the consent page.
//
//   cd frontend && FSC_BINARY=/tmp/fsc-e2e/fullscript-companion npm run test:browser
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page, type Response } from "playwright-core";
import type { PatientOptions } from "@fullscript/fullscript-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  authorizeURL,
  createGrant,
  firstPatient,
  getInfo,
  getState,
  REDIRECT_URI,
  repoRoot,
  signIn,
  startHostServer,
  startSandbox,
  type EmbedEvent,
  type HostServer,
  type RecordedMessage,
  type SandboxInfo,
  type SandboxProcess,
  type SignedIn,
} from "./sandboxHarness";

const screenshotDir = path.join(repoRoot, "build/e2e");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let host: HostServer;
let sandbox: SandboxProcess;
let info: SandboxInfo;
let me: SignedIn;
let clinic: SandboxInfo["clinics"][number];
let browser: Browser;

// Per test: a fresh context, and what its pages said, printed on failure.
let context: BrowserContext;
let pageErrors: Error[] = [];
let consoleLines: string[] = [];

beforeAll(async () => {
  // The host page first: its origin goes on the sandbox's allow-list.
  host = await startHostServer();
  sandbox = await startSandbox({ autoApprove: true, allowOrigins: [host.origin] });
  try {
    info = await getInfo(sandbox.baseURL);
    me = await signIn(info);
  } catch (err) {
    console.error(`--- sandbox stderr ---\n${sandbox.logs()}`);
    throw err;
  }
  const mine = info.clinics.find((c) => c.users.some((u) => u.id === me.userId));
  if (!mine) throw new Error(`the signed-in user ${me.userId} is in no clinic of /_sandbox/info`);
  clinic = mine;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  const exit = await sandbox?.stop();
  await host?.close();
  if (exit) expect(exit, `sandbox exit; its log:\n${sandbox.logs()}`).toEqual({ code: 0, signal: null });
});

beforeEach(async ({ onTestFailed }) => {
  pageErrors = [];
  consoleLines = [];
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Everything here answers in well under a second; fail fast, not at 30 s.
  context.setDefaultTimeout(10_000);
  onTestFailed(() => {
    console.error(
      `--- browser console ---\n${consoleLines.join("\n")}\n` +
        `--- page errors ---\n${pageErrors.map((e) => e.message).join("\n")}\n` +
        `--- sandbox stderr ---\n${sandbox.logs()}`,
    );
  });
  return async () => {
    await context.close();
  };
});

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err));
  page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  return page;
}

interface MountArgs {
  feature: "treatmentPlan" | "platform";
  secretToken: string;
  patient?: PatientOptions;
  entrypoint?: "catalog" | "labs";
}

/** Creates the client (once per page) and the feature, subscribes both events, mounts into #mount. */
async function mount(page: Page, args: MountArgs): Promise<void> {
  const options = { publicKey: info.public_key, env: info.embed_env, domain: info.embed_domain };
  await page.evaluate(
    async ({ a, options }) => {
      window.__client ??= window.Fullscript(options);
      const common = { secretToken: a.secretToken, ...(a.patient ? { patient: a.patient } : {}) };
      const feature =
        a.feature === "platform"
          ? window.__client.create("platform", { ...common, ...(a.entrypoint ? { entrypoint: a.entrypoint } : {}) })
          : window.__client.create("treatmentPlan", common);
      feature.on("patient.selected", (payload) => {
        window.__events.push(payload);
      });
      feature.on("treatmentPlan.activated", (payload) => {
        window.__events.push(payload);
      });
      window.__feature = feature;
      await feature.mount("mount");
    },
    { a: args, options },
  );
}

async function waitForEvent(page: Page, type: EmbedEvent["type"]): Promise<EmbedEvent> {
  await page.waitForFunction((t) => window.__events.some((e) => e.type === t), type, { timeout: 10_000 });
  const events = await page.evaluate(() => window.__events);
  const ev = events.find((e) => e.type === type);
  if (!ev) throw new Error(`no ${type} event`);
  return ev;
}

/** The URL the library built for the iframe, as the frame loaded it. */
async function iframeURL(page: Page): Promise<string> {
  const handle = await page.locator("#mount iframe").elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error("the mount point has no iframe");
  return frame.url();
}

function embed(page: Page) {
  return page.frameLocator("#mount iframe");
}

describe("fullscript-js 3.2.0 against the sandbox, in Chromium", () => {
  it("treatmentPlan with a new patient: patient.selected, then treatmentPlan.activated", async () => {
    const grant = await createGrant(info, me.accessToken);
    expect(grant.claimed_at).toBeNull();
    const page = await newPage();
    await page.goto(`${host.origin}/`);
    await mount(page, {
      feature: "treatmentPlan",
      secretToken: grant.secret_token,
      patient: {
        firstName: "Amos",
        lastName: "Nguyen-Test",
        email: "amos.e2e@example.com",
        dateOfBirth: "1990-01-02",
        biologicalSex: "male",
      },
    });

    const frame = embed(page);
    await frame.getByText(clinic.name).waitFor();
    const choice = frame.locator("#patient-choice");
    expect(await choice.inputValue()).toBe("new");
    expect(await choice.locator("option:checked").textContent()).toBe("New patient: Amos Nguyen-Test");

    // tokenize answered with CORS, so the token (percent-encoded) is on the URL.
    const url = new URL(await iframeURL(page));
    expect(`${url.origin}${url.pathname}`).toBe(`${info.embed_domain}/api/embeddable/session/treatment_plans/new`);
    expect(url.search).toContain("data_token=");
    expect(url.search).not.toContain("data_token=null");
    expect(url.searchParams.get("data_token")).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(url.searchParams.get("secret_token")).toBe(grant.secret_token);
    expect(url.searchParams.get("public_key")).toBe(info.public_key);
    expect(url.searchParams.get("target_origin")).toBe(host.origin);
    const frameId = url.searchParams.get("frame_id");
    expect(frameId).toMatch(UUID);

    await frame.getByRole("button", { name: "Select patient" }).click();
    const selected = await waitForEvent(page, "patient.selected");
    expect(selected).toMatchObject({
      type: "patient.selected",
      clinicId: clinic.id,
      oauth: { clientId: info.client_id },
      data: {
        patient: {
          firstName: "Amos",
          lastName: "Nguyen-Test",
          email: "amos.e2e@example.com",
          dateOfBirth: "1990-01-02",
          biologicalSex: "male",
        },
      },
    });
    expect(selected.id).toMatch(UUID);
    expect(Number.isNaN(Date.parse(selected.createdAt))).toBe(false);
    const patientId = "patient" in selected.data ? selected.data.patient.id : "";
    expect(patientId).toMatch(UUID);
    await frame.getByText("Selected Amos Nguyen-Test").waitFor();

    // As Fullscript's screen behaves (issue 14, item 6): activating an empty
    // plan is refused, and the complaint goes once an item is added; an item
    // is in the plan once; an activated plan can no longer change.
    await frame.getByRole("button", { name: "Activate treatment plan" }).click();
    await frame.getByText("Add at least one item first.").waitFor();
    const add = frame.getByRole("button", { name: /^Add / }).first();
    const product = ((await add.getAttribute("aria-label")) ?? "").replace(/^Add /, "");
    expect(product).not.toBe("");
    await add.click();
    await frame.locator("#plan-items li", { hasText: product }).waitFor();
    expect(await frame.getByText("Add at least one item first.").count()).toBe(0);
    const added = frame.getByRole("button", { name: `Added ${product}` });
    expect(await added.isDisabled()).toBe(true);
    await added.click({ force: true }); // a second click adds nothing
    expect(await frame.locator("#plan-items li").count()).toBe(1);
    await frame.getByRole("button", { name: "Activate treatment plan" }).click();

    const activated = await waitForEvent(page, "treatmentPlan.activated");
    expect(activated).toMatchObject({
      type: "treatmentPlan.activated",
      clinicId: clinic.id,
      oauth: { clientId: info.client_id },
    });
    expect(Number.isNaN(Date.parse(activated.createdAt))).toBe(false);
    if (!("treatmentPlan" in activated.data)) throw new Error("treatmentPlan.activated without data.treatmentPlan");
    const plan = activated.data.treatmentPlan;
    expect(plan.id).toMatch(UUID);
    expect(plan.state).toBe("active");
    expect(plan.patient.id).toBe(patientId);
    expect(plan.practitioner.id).toBe(me.userId);
    expect(plan.recommendations).toHaveLength(1);
    expect(plan.recommendations[0]?.variantId).toMatch(/\S/);
    expect(plan.labRecommendations).toEqual([]);
    await frame.getByText("Treatment plan activated and sent to the patient.").waitFor();
    expect(await frame.getByRole("button", { name: /^Remove / }).count()).toBe(0);
    expect(await frame.getByRole("button", { name: /^Add / }).evaluateAll((bs) => bs.every((b) => (b as HTMLButtonElement).disabled))).toBe(true);

    // Each callback fired once, and nothing threw.
    expect((await page.evaluate(() => window.__events)).map((e) => e.type)).toEqual([
      "patient.selected",
      "treatmentPlan.activated",
    ]);
    expect(await page.evaluate(() => window.__errors)).toEqual([]);
    expect(pageErrors).toEqual([]);

    const st = await getState(sandbox.baseURL);
    const claimed = st.grants.find((g) => g.secret_token === grant.secret_token);
    expect(claimed?.claimed_at).not.toBeNull();
    expect(Number.isNaN(Date.parse(claimed?.claimed_at ?? ""))).toBe(false);
    const posted = st.events.filter((e) => e.frame_id === frameId);
    expect(posted.map((e) => [e.type, e.outcome, e.target_origin])).toEqual([
      ["patient.selected", "posted", host.origin],
      ["treatmentPlan.activated", "posted", host.origin],
    ]);
    expect(st.plans.find((p) => p.id === plan.id)).toMatchObject({
      patient_id: patientId,
      practitioner_id: me.userId,
      state: "active",
    });
  });

  it("platform, labs entry point, patient matched by id: no patient.selected, a lab plan", async () => {
    const patient = await firstPatient(info, me.accessToken);
    const grant = await createGrant(info, me.accessToken);
    const page = await newPage();
    await page.goto(`${host.origin}/`);
    await mount(page, { feature: "platform", secretToken: grant.secret_token, entrypoint: "labs", patient: { id: patient.id } });

    const frame = embed(page);
    await frame.getByRole("heading", { name: "Labs", exact: true }).waitFor();
    const card = frame.locator(".patient-card");
    expect(await card.textContent()).toContain(`${patient.first_name} ${patient.last_name}`);
    expect(await card.locator(".tag").textContent()).toBe("Matched");
    expect(await frame.getByRole("button", { name: "Select patient" }).count()).toBe(0);
    const url = new URL(await iframeURL(page));
    expect(url.pathname).toBe("/api/embeddable/session/embed/entry");
    expect(url.searchParams.get("entrypoint")).toBe("labs");

    const add = frame.getByRole("button", { name: /^Add / }).first();
    const lab = ((await add.getAttribute("aria-label")) ?? "").replace(/^Add /, "");
    await add.click();
    await frame.locator("#plan-items li", { hasText: lab }).waitFor();
    await frame.getByRole("button", { name: "Activate treatment plan" }).click();

    const activated = await waitForEvent(page, "treatmentPlan.activated");
    if (!("treatmentPlan" in activated.data)) throw new Error("treatmentPlan.activated without data.treatmentPlan");
    const plan = activated.data.treatmentPlan;
    expect(plan.patient.id).toBe(patient.id);
    expect(plan.practitioner.id).toBe(me.userId);
    expect(plan.recommendations).toEqual([]);
    expect(plan.labRecommendations).toHaveLength(1);
    expect(plan.labRecommendations[0]).toMatchObject({ name: lab });
    expect(plan.labRecommendations[0]?.id).toMatch(/\S/);
    // Messages arrive in order: had patient.selected been posted, it would be here.
    expect((await page.evaluate(() => window.__events)).map((e) => e.type)).toEqual(["treatmentPlan.activated"]);
    expect(pageErrors).toEqual([]);
  });

  it("a secret token used twice: serverError INVALID_SECRET_TOKEN, thrown by the library, no callback", async () => {
    const grant = await createGrant(info, me.accessToken);
    const page = await newPage();
    await page.goto(`${host.origin}/`);
    await mount(page, { feature: "treatmentPlan", secretToken: grant.secret_token });
    await embed(page).getByRole("button", { name: "Activate treatment plan" }).waitFor();

    // The mistake an app could make: unmount, then mount again with the same grant.
    await page.evaluate(() => window.__feature?.unmount());
    const thrown = page.waitForEvent("pageerror", { timeout: 10_000 });
    await mount(page, { feature: "treatmentPlan", secretToken: grant.secret_token });
    await embed(page).getByText("We couldn't open this page").waitFor();
    const err = await thrown;
    expect(err.message).toContain("INVALID_SECRET_TOKEN");
    expect(err.message).toContain("already used");

    await page.waitForFunction(() => window.__messages.length > 0, undefined, { timeout: 5_000 });
    const messages: RecordedMessage[] = await page.evaluate(() => window.__messages);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.origin).toBe(info.embed_domain);
    expect(messages[0]?.data).toEqual({
      type: "serverError",
      payload: [expect.stringMatching(/^INVALID_SECRET_TOKEN: /)],
    });
    expect(await page.evaluate(() => window.__errors)).toEqual([expect.stringContaining("INVALID_SECRET_TOKEN")]);
    expect(await page.evaluate(() => window.__events)).toEqual([]);
    expect(pageErrors).toHaveLength(1);

    const st = await getState(sandbox.baseURL);
    expect(st.events.filter((e) => e.outcome === "invalid_secret_token" && e.target_origin === host.origin)).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("already used") }),
    ]);
  });

  it("an origin not on the allow-list: frame-ancestors 'none', no message, grant left unclaimed", async () => {
    const grant = await createGrant(info, me.accessToken);
    const page = await newPage();
    const embedResponses: Response[] = [];
    page.on("response", (res) => {
      if (res.url().includes("/api/embeddable/session/")) embedResponses.push(res);
    });
    await page.goto(`${host.otherOrigin}/`);
    expect(await page.evaluate(() => location.origin)).toBe(host.otherOrigin);
    await mount(page, {
      feature: "treatmentPlan",
      secretToken: grant.secret_token,
      patient: { firstName: "Refused", lastName: "Origin", email: "refused.e2e@example.com" },
    });

    await expect.poll(() => embedResponses.length, { timeout: 10_000 }).toBe(1);
    const res = embedResponses[0];
    if (!res) throw new Error("unreachable");
    expect(res.status()).toBe(403);
    expect(await res.headerValue("content-security-policy")).toBe("frame-ancestors 'none'");
    expect(new URL(res.url()).searchParams.get("target_origin")).toBe(host.otherOrigin);
    // tokenize got no CORS headers for this origin: the library fell back to null.
    expect(res.url()).toContain("data_token=null");

    // A refused frame is silent: nothing to the host page, nothing to click.
    await page.waitForTimeout(3_000);
    expect(await page.evaluate(() => window.__messages)).toEqual([]);
    expect(await page.evaluate(() => window.__events)).toEqual([]);
    expect(await embed(page).getByRole("button", { name: "Activate treatment plan" }).count()).toBe(0);
    expect(pageErrors).toEqual([]);

    const st = await getState(sandbox.baseURL);
    expect(st.events.filter((e) => e.target_origin === host.otherOrigin)).toEqual([
      expect.objectContaining({ outcome: "refused", reason: "origin_not_allowed", feature: "treatmentPlan" }),
    ]);
    const g = st.grants.find((x) => x.secret_token === grant.secret_token);
    expect(g).toBeDefined();
    expect(g?.claimed_at).toBeNull();
  });

  it("screenshots: the Embed mid-plan, and the consent page (Cancel goes back with access_denied)", async () => {
    mkdirSync(screenshotDir, { recursive: true });

    const grant = await createGrant(info, me.accessToken);
    const page = await newPage();
    await page.goto(`${host.origin}/`);
    await mount(page, {
      feature: "treatmentPlan",
      secretToken: grant.secret_token,
      patient: { firstName: "Bea", lastName: "Lindqvist-Test", email: "bea.e2e@example.com", dateOfBirth: "1985-07-14" },
    });
    const frame = embed(page);
    await frame.getByRole("button", { name: "Select patient" }).click();
    await waitForEvent(page, "patient.selected");
    const adds = frame.getByRole("button", { name: /^Add / });
    await adds.nth(0).click();
    await adds.nth(2).click();
    await expect.poll(() => frame.locator("#plan-items li").count()).toBe(2);
    await page.locator("#loaderContainer").waitFor({ state: "hidden" });
    await page.screenshot({ path: path.join(screenshotDir, "sandbox-embed.png") });
    expect((await page.evaluate(() => window.__events)).map((e) => e.type)).toEqual(["patient.selected"]);

    // The consent page needs a sandbox without --auto-approve.
    const second = await startSandbox({ autoApprove: false, allowOrigins: [] });
    try {
      const info2 = await getInfo(second.baseURL);
      const consent = await newPage();
      // The form posts back to the authorize URL, which answers 302 to the
      // redirect URI. page.route never sees the request a redirect leads to
      // (and Chromium refuses port 9, a "bad port", anyway), so the route
      // takes the form's POST itself: the real request goes to the sandbox,
      // its 302 is kept, and the browser gets a stand-in page instead of
      // following it. Nothing is ever sent to 127.0.0.1:9.
      const redirects: string[] = [];
      const toRedirectURI: string[] = [];
      consent.on("request", (req) => {
        if (req.url().startsWith("http://127.0.0.1:9")) toRedirectURI.push(req.url());
      });
      await consent.route(
        (u) => u.toString().startsWith(info2.authorize_url),
        async (route) => {
          if (route.request().method() !== "POST") return route.continue();
          const res = await route.fetch({ maxRedirects: 0 });
          const location = res.headers()["location"] ?? "";
          redirects.push(`${res.status()} ${location}`);
          await route.fulfill({
            status: 200,
            contentType: "text/plain",
            body: `The sandbox redirected to ${location}; intercepted by the test.`,
          });
        },
      );
      await consent.goto(authorizeURL(info2, "s"));
      await consent.getByRole("heading", { name: "Authorize Fullscript Companion" }).waitFor();
      for (const c of info2.clinics) {
        await consent.getByRole("heading", { name: c.name, exact: true }).waitFor();
      }
      expect(info2.clinics.length).toBeGreaterThan(1);
      await consent.screenshot({ path: path.join(screenshotDir, "sandbox-consent.png"), fullPage: true });

      await consent.getByRole("button", { name: "Cancel" }).click();
      await consent.getByText("intercepted by the test").waitFor();
      expect(redirects).toHaveLength(1);
      const [status, location] = (redirects[0] ?? "").split(" ");
      expect(status).toBe("302");
      const back = new URL(location ?? "");
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
      expect(back.search).toMatch(/[?&]error=access_denied(&|$)/);
      expect(back.search).toMatch(/[?&]state=s(&|$)/);
      expect(back.searchParams.has("code")).toBe(false);
      expect(toRedirectURI).toEqual([]);
      expect((await getState(second.baseURL)).codes).toEqual([]);
    } finally {
      const exit = await second.stop();
      expect(exit, `second sandbox exit; its log:\n${second.logs()}`).toEqual({ code: 0, signal: null });
    }
  });
});
