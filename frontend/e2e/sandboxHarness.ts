// Helpers for the real-browser Embed test: the sandbox CLI as a child
// process, a tiny host page server, and the OAuth / grant calls a Go client
// would make, done here with fetch so the browser only runs what the
// webview would (fullscript-js and the Embed iframe).
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EventListenerPayload, EventType, Fullscript as FullscriptFactory } from "@fullscript/fullscript-js";

export const frontendDir = fileURLToPath(new URL("..", import.meta.url));
export const repoRoot = path.resolve(frontendDir, "..");

// What the host page keeps on window (see hostPageHTML).
export interface RecordedMessage {
  origin: string;
  data: unknown;
}

export type EmbedEvent = EventListenerPayload<EventType>;

declare global {
  interface Window {
    Fullscript: typeof FullscriptFactory;
    __messages: RecordedMessage[];
    __errors: string[];
    __events: EmbedEvent[];
    __client?: ReturnType<typeof FullscriptFactory>;
    __feature?: ReturnType<ReturnType<typeof FullscriptFactory>["create"]>;
  }
}

// ---------------------------------------------------------------- sandbox

export interface SandboxProcess {
  baseURL: string;
  /** Everything the sandbox wrote on stderr so far (its request log). */
  logs(): string;
  /** SIGTERM, then wait for the exit; SIGKILL after 10 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The sandbox binary: $FSC_BINARY (relative to the cwd), else ../build/bin from frontend/. */
export function sandboxBinary(): string {
  const fromEnv = process.env["FSC_BINARY"];
  const bin = fromEnv ? path.resolve(fromEnv) : path.resolve(frontendDir, "../build/bin/fullscript-companion");
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(
      `No executable sandbox binary at ${bin}. Build one (cd .. && go build -o /tmp/fsc-e2e/fullscript-companion .) ` +
        `and run with FSC_BINARY=/tmp/fsc-e2e/fullscript-companion, or run make build.`,
    );
  }
  return bin;
}

/**
 * Starts `<binary> sandbox --addr 127.0.0.1:0 ...` and waits for the one
 * line it prints on stdout: the base URL.
 */
export function startSandbox(opts: { autoApprove: boolean; allowOrigins: string[] }): Promise<SandboxProcess> {
  const args = ["sandbox", "--addr", "127.0.0.1:0"];
  if (opts.autoApprove) args.push("--auto-approve");
  for (const o of opts.allowOrigins) args.push("--allow-origin", o);
  const child: ChildProcess = spawn(sandboxBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // "close", not "exit": by then stderr has been read to its end.
    child.once("close", (code, signal) => resolve({ code, signal }));
  });

  return new Promise<SandboxProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the sandbox printed no base URL within 10 s; stderr:\n${stderr}`));
    }, 10_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
      const nl = stdout.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const baseURL = stdout.slice(0, nl).trim();
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseURL)) {
        child.kill("SIGKILL");
        reject(new Error(`the sandbox's first stdout line is not a base URL: ${JSON.stringify(baseURL)}`));
        return;
      }
      resolve({
        baseURL,
        logs: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          const result = await exited;
          clearTimeout(killer);
          return result;
        },
      });
    });
  });
}

// -------------------------------------------------------------- host page

export interface HostServer {
  port: number;
  /** http://127.0.0.1:<port>: on the sandbox's allow-list. */
  origin: string;
  /** http://localhost:<port>: the same server, an origin the sandbox refuses. */
  otherOrigin: string;
  close(): Promise<void>;
}

const umdPath = path.join(frontendDir, "node_modules/@fullscript/fullscript-js/dist/fullscript-js.umd.min.js");

// Records every message and error before fullscript-js adds its own
// listener, so a message the library throws on is still seen.
const hostPageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Embed host (e2e)</title>
<script>
window.__messages = [];
window.__errors = [];
window.__events = [];
window.addEventListener("message", function (e) { window.__messages.push({ origin: e.origin, data: e.data }); });
window.onerror = function (message, source, line, column, error) {
  window.__errors.push(String(error && error.message ? error.message : message));
};
window.addEventListener("unhandledrejection", function (e) {
  window.__errors.push("unhandled rejection: " + String(e.reason && e.reason.message ? e.reason.message : e.reason));
});
</script>
<script src="/fullscript-js.umd.min.js"></script>
</head>
<body style="margin:16px;font-family:sans-serif">
<h1 style="font-size:16px;margin:0 0 8px">Host page at <span id="origin"></span></h1>
<script>document.getElementById("origin").textContent = location.origin;</script>
<div id="mount" style="width:1000px;height:800px;border:1px solid #ccd"></div>
</body>
</html>
`;

export function startHostServer(): Promise<HostServer> {
  const umd = readFileSync(umdPath);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(hostPageHTML);
    } else if (req.method === "GET" && url.pathname === "/fullscript-js.umd.min.js") {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" });
      res.end(umd);
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise<HostServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        origin: `http://127.0.0.1:${port}`,
        otherOrigin: `http://localhost:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// ------------------------------------------------------------ OAuth, REST

export interface SandboxUser {
  id: string;
  type: string;
  name: string;
  email: string;
}

export interface SandboxInfo {
  client_id: string;
  client_secret: string;
  public_key: string;
  redirect_uri: string;
  authorize_url: string;
  token_url: string;
  api_base: string;
  embed_domain: string;
  embed_env: "us" | "ca" | "us-snd" | "ca-snd" | "dev";
  allowed_origins: string[];
  auto_approve: boolean;
  clinics: { id: string; name: string; users: SandboxUser[] }[];
}

export interface SessionGrant {
  id: string;
  secret_token: string;
  expires_at: string;
  claimed_at: string | null;
  user: { id: string; type: string };
}

export interface RestPatient {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
}

export interface SandboxState {
  grants: { id: string; secret_token: string; user_id: string; claimed_at: string | null }[];
  plans: { id: string; patient_id: string; practitioner_id: string; state: string }[];
  events: {
    id: string;
    type: string;
    outcome: string;
    reason?: string;
    feature?: string;
    frame_id?: string;
    target_origin?: string;
  }[];
  codes: { code: string; used_at: string | null }[];
  tokens: { access_token: string; status: string }[];
}

/** A redirect URI on a closed port: only ever read from a Location header or intercepted. */
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function getInfo(baseURL: string): Promise<SandboxInfo> {
  return json<SandboxInfo>(await fetch(`${baseURL}/_sandbox/info`), "GET /_sandbox/info");
}

export async function getState(baseURL: string): Promise<SandboxState> {
  return json<SandboxState>(await fetch(`${baseURL}/_sandbox/state`), "GET /_sandbox/state");
}

export function authorizeURL(info: SandboxInfo, state: string): string {
  const q = new URLSearchParams({ client_id: info.client_id, redirect_uri: REDIRECT_URI, response_type: "code", state });
  return `${info.authorize_url}?${q.toString()}`;
}

export interface SignedIn {
  accessToken: string;
  userId: string;
  userType: string;
}

/** Authorization code flow against an --auto-approve sandbox. */
export async function signIn(info: SandboxInfo): Promise<SignedIn> {
  const res = await fetch(authorizeURL(info, "xyz"), { redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) {
    throw new Error(`authorize: want a 302 with Location, got ${res.status}: ${await res.text()}`);
  }
  const back = new URL(location);
  const code = back.searchParams.get("code");
  if (`${back.origin}${back.pathname}` !== REDIRECT_URI || back.searchParams.get("state") !== "xyz" || !code) {
    throw new Error(`authorize redirected to ${location}`);
  }
  const tok = await json<{ oauth: { access_token: string; resource_owner: { id: string; type: string } } }>(
    await fetch(info.token_url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code",
        client_id: info.client_id,
        client_secret: info.client_secret,
        code,
        redirect_uri: REDIRECT_URI,
      }),
    }),
    "POST token",
  );
  return {
    accessToken: tok.oauth.access_token,
    userId: tok.oauth.resource_owner.id,
    userType: tok.oauth.resource_owner.type,
  };
}

/** A fresh single-use session grant (one per mount). */
export async function createGrant(info: SandboxInfo, accessToken: string): Promise<SessionGrant> {
  return json<SessionGrant>(
    await fetch(`${info.api_base}/clinic/embeddable/session_grants`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body: "{}",
    }),
    "POST session_grants",
  );
}

export async function firstPatient(info: SandboxInfo, accessToken: string): Promise<RestPatient> {
  const out = await json<{ patients: RestPatient[] }>(
    await fetch(`${info.api_base}/clinic/patients?page[size]=1`, { headers: { Authorization: `Bearer ${accessToken}` } }),
    "GET patients",
  );
  const p = out.patients[0];
  if (!p) throw new Error("the sandbox has no seeded patient");
  return p;
}
