// Helpers for the end-to-end test of the real app: its own X display, the
// app under `go tool wails dev` (the real Go bindings, reachable from
// Chromium at http://localhost:34115), a stand-in for the system browser,
// and Chromium itself.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { expect } from "vitest";
import { repoRoot } from "./sandboxHarness";

export const devServerURL = "http://localhost:34115";

/** A private X server, for the WebKit window `wails dev` opens. */
export async function startXvfb(): Promise<{ display: string; stop(): void }> {
  const child = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x900x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = "";
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.setEncoding("utf8");
    fd3.on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve(`:${out.trim()}`);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`Xvfb exited (${code}) before giving a display`)));
    setTimeout(() => reject(new Error("Xvfb gave no display within 10 s")), 10_000);
  });
  return { display, stop: () => child.kill("SIGTERM") };
}

/**
 * The system browser, as the app sees it: an `xdg-open` early on PATH that
 * writes the URL it was given to a file. The test opens that URL in
 * Chromium, so the person's part of the sign-in (the consent page) runs in
 * a real browser.
 */
export function browserStub(dir: string): { binDir: string; urls(): string[] } {
  const binDir = path.join(dir, "bin");
  const log = path.join(dir, "opened-urls.txt");
  writeFileSync(log, "");
  const script = `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`;
  mkdirSync(binDir, { recursive: true, mode: 0o700 });
  for (const name of ["xdg-open", "x-www-browser", "www-browser"]) {
    writeFileSync(path.join(binDir, name), script);
    chmodSync(path.join(binDir, name), 0o755);
  }
  return {
    binDir,
    urls: () => readFileSync(log, "utf8").split("\n").filter((l) => l !== ""),
  };
}

export interface RunningApp {
  logs(): string;
  stop(): Promise<number | null>;
  /** The app's environment, its session bus included: a second launch with it reaches this window. */
  env: NodeJS.ProcessEnv;
}

/**
 * Go's build cache as this machine has it. The app's environment points
 * XDG_CACHE_HOME at a throwaway folder (for WebKit), and Go would follow it:
 * every run then compiled the whole app from nothing (about 490 MB, minutes
 * on two cores), racing the readiness deadline below.
 */
let goCache: string | undefined;
function hostGoCache(): string {
  goCache ??= execFileSync("go", ["env", "GOCACHE"], { encoding: "utf8" }).trim();
  return goCache;
}

/** How long `wails dev` may take to build and start: a first build with its debug flags is a cold compile. */
const readyWithin = 300_000;

/**
 * A D-Bus session bus for one app run, stopped with it. Without one, GTK
 * starts a bus through X11 autolaunch that forks away and outlives the app
 * (with an accessibility bus beside it): every run left such daemons behind,
 * until the machine ran out of inotify instances and `wails dev` failed with
 * "too many open files". The bus runs in a process group of its own, so the
 * services it starts go with it.
 */
async function privateBus(): Promise<{ address: string; stop(): void }> {
  const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "ignore"], detached: true });
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    bus.stdout.setEncoding("utf8");
    bus.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.trim());
    });
    bus.once("error", reject);
    bus.once("exit", (code) => reject(new Error(`dbus-daemon exited (${code}) before giving an address`)));
  });
  return {
    address,
    stop: () => {
      try {
        process.kill(-(bus.pid ?? 0), "SIGTERM");
      } catch {
        // gone
      }
    },
  };
}

/** Starts `go tool wails dev` (on a bus of its own) and waits until the page and the Go side answer. */
export async function startWailsDev(appEnv: NodeJS.ProcessEnv): Promise<RunningApp> {
  const bus = await privateBus();
  const env: NodeJS.ProcessEnv = { ...appEnv, GOCACHE: appEnv["GOCACHE"] ?? hostGoCache(), DBUS_SESSION_BUS_ADDRESS: bus.address };
  const child: ChildProcess = spawn(
    "go",
    ["tool", "wails", "dev", "-m", "-skipbindings", "-noreload", "-nocolour", "-tags", "webkit2_41"],
    { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let logs = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (c: string) => (logs += c));
  child.stderr?.on("data", (c: string) => (logs += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    // SIGINT to the whole process group (wails dev and the app); wails dev
    // then stops vite, which runs in a process group of its own, so a
    // SIGKILL is only the last resort (it would leave vite on port 5173).
    try {
      process.kill(-(child.pid ?? 0), "SIGINT");
    } catch {
      // already gone
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        // gone
      }
    }, 15_000);
    const code = await exited;
    clearTimeout(killer);
    bus.stop();
    return code;
  };
  const deadline = Date.now() + readyWithin;
  for (;;) {
    if (child.exitCode !== null) {
      bus.stop();
      throw new Error(`wails dev exited (${child.exitCode}):\n${logs}`);
    }
    if (logs.includes('msg="frontend ready"') || logs.includes("msg=\"frontend reloaded\"")) {
      try {
        const res = await fetch(devServerURL);
        if (res.ok) break;
      } catch {
        // not yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wails dev was not ready within ${readyWithin / 1000} s:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { logs: () => logs, stop, env };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * The app's environment for a run: its own data folder and XDG folders (in
 * dir), the browser stand-in first on PATH, the private X display, the
 * data key in a file (no keyring here), and the built-in sandbox (never one
 * named by the developer's environment). extra adds to it.
 */
export function appEnv(dir: string, stub: { binDir: string }, display: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${stub.binDir}:${process.env["PATH"] ?? ""}`,
    DISPLAY: display,
    GDK_BACKEND: "x11",
    NO_AT_BRIDGE: "1",
    FSC_DATA_DIR: path.join(dir, "data"),
    FSC_KEYRING: "off",
    // Chromium's origin here is the dev server's, not the webview's.
    FSC_SANDBOX_ALLOW_ORIGINS: devServerURL,
    XDG_DATA_HOME: path.join(dir, "xdg-data"),
    XDG_CACHE_HOME: path.join(dir, "xdg-cache"),
    ...extra,
  };
  delete env["FULLSCRIPT_SANDBOX_URL"];
  delete env["DBUS_SESSION_BUS_ADDRESS"];
  return env;
}

/** Where the app's built-in sandbox runs, from the app's own log line. */
export function sandboxURLOf(app: RunningApp): string {
  const m = /msg="built-in sandbox started" url=(\S+)/.exec(app.logs());
  if (!m?.[1]) throw new Error(`the app did not say where its sandbox runs:\n${app.logs()}`);
  return m[1];
}

/**
 * The next address the app gave the system browser, after the first
 * `before` ones (waits for it).
 */
export async function nextBrowserURL(stub: ReturnType<typeof browserStub>, before: number): Promise<string> {
  await expect.poll(() => stub.urls().length, { timeout: 15_000 }).toBeGreaterThan(before);
  return stub.urls()[before] ?? "";
}

/**
 * Plays the person in the system browser: the consent page, as `who`.
 * `before` is how many addresses the browser had been given before the
 * click that starts this sign-in; `named` is how the page must name them.
 */
export async function approveInBrowser(
  context: BrowserContext,
  stub: ReturnType<typeof browserStub>,
  before: number,
  who: RegExp,
  named: string,
): Promise<void> {
  const url = await nextBrowserURL(stub, before);
  expect(new URL(url).pathname).toBe("/api/oauth/authorize");
  const consent = await context.newPage();
  await consent.goto(url);
  // Ada works in both clinics: the first one listed is Riverside.
  await consent.getByRole("radio", { name: who }).first().check();
  await consent.getByRole("button", { name: "Authorize" }).click();
  // The page names who the app now acts as, and where.
  const done = consent.getByRole("heading", { name: /^Signed in as .+ at .+/ });
  await done.waitFor();
  expect(await done.textContent()).toContain(named);
  await consent.close();
}
