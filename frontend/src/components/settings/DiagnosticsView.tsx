import { useCallback, useEffect, useRef, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import {
  toAppError,
  type AppError,
  type ConnectionCheck,
  type ConnectionReport,
  type Diagnostics,
} from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import { useOnlineStatus } from "../../stores/useOnlineStatus";
import "../../styles/accounts.css";
import { ErrorPanel } from "../content/ErrorPanel";
import { InlineError } from "../content/InlineError";
import { LoadingPanel } from "../content/LoadingPanel";
import { needsInternet } from "../sidebar/network";

export interface DiagnosticsViewProps {
  /** The selected account: its environment and access are checked too. null checks the app's environment only. */
  accountId: string | null;
  /** Each new value runs Check connection at once (Help > Check connection in the window's menu). */
  checkNow?: number;
}

type Load = { status: "loading" } | { status: "error"; error: AppError } | { status: "ready"; data: Diagnostics };
type Check = { status: "idle" } | { status: "running" } | { status: "error"; error: AppError } | { status: "done"; report: ConnectionReport };

const keyStorageWords: Record<string, string> = {
  "os-keyring": "The system keyring",
  "key-file": "A key file, not the system keyring",
};

/** What to register at Fullscript, what is missing, and a connection check that explains each failure. */
export function DiagnosticsView({ accountId, checkNow = 0 }: DiagnosticsViewProps) {
  const api = useCompanionApi();
  const online = useOnlineStatus();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [check, setCheck] = useState<Check>({ status: "idle" });
  // Only the newest run may report: a run for another account, or an older one, is dropped.
  const run = useRef(0);

  useEffect(() => {
    let live = true;
    setLoad({ status: "loading" });
    api.diagnostics().then(
      (data) => live && setLoad({ status: "ready", data }),
      (err: unknown) => live && setLoad({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);

  // A report is about one account: another account starts from a clean slate.
  useEffect(() => {
    run.current++;
    setCheck({ status: "idle" });
  }, [accountId]);

  const runCheck = useCallback(() => {
    const mine = ++run.current;
    setCheck({ status: "running" });
    api.checkConnection(accountId ?? "").then(
      (report) => mine === run.current && setCheck({ status: "done", report }),
      (err: unknown) => mine === run.current && setCheck({ status: "error", error: toAppError(err) }),
    );
  }, [api, accountId]);

  useEffect(() => {
    if (checkNow > 0) runCheck();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new request runs it
  }, [checkNow]);

  if (load.status === "loading") return <LoadingPanel label="Reading the app’s settings…" />;
  if (load.status === "error") return <ErrorPanel error={load.error} onRetry={() => setAttempt((n) => n + 1)} />;
  const d = load.data;

  return (
    <div className="panel diagnostics">
      <h1 className="panel__title">Diagnostics</h1>
      <p className="panel__lead">
        For setting the app up at Fullscript (API Dashboard) and for support. Environment:{" "}
        <strong>{environmentLabel(d.environment)}</strong>.
      </p>

      <section className="diagnostics__section" aria-labelledby="diagnostics-register">
        <h2 id="diagnostics-register" className="diagnostics__heading">
          Register at Fullscript
        </h2>
        <dl className="facts diagnostics__facts">
          <dt>Embed Origin URI</dt>
          <dd>
            {d.webviewOrigin !== "" ? (
              <CopyValue value={d.webviewOrigin} what="origin" />
            ) : (
              <span className="diagnostics__unknown">Not known yet: it is reported once the window has opened.</span>
            )}
            <p className="field__hint">Add it to the app’s Origin URIs on the Fullscript Embed tab.</p>
          </dd>
          <dt>Redirect URI</dt>
          <dd>
            {d.redirectUri !== "" ? (
              <CopyValue value={d.redirectUri} what="redirect URI" />
            ) : (
              <span className="diagnostics__unknown">Not set: add it in Settings.</span>
            )}
            <p className="field__hint">Register exactly this for the app’s OAuth redirect.</p>
          </dd>
          <dt>Embed domain</dt>
          <dd>{d.embedDomain !== "" ? <code>{d.embedDomain}</code> : <span className="diagnostics__unknown">Not known</span>}</dd>
          {d.sandboxUrl !== "" && (
            <>
              <dt>Sandbox</dt>
              <dd>
                <code>{d.sandboxUrl}</code>
              </dd>
            </>
          )}
        </dl>
      </section>

      <section className="diagnostics__section" aria-labelledby="diagnostics-missing">
        <h2 id="diagnostics-missing" className="diagnostics__heading">
          Missing settings
        </h2>
        {d.missing.length === 0 ? (
          <p>Nothing is missing.</p>
        ) : (
          <ul className="diagnostics__missing">
            {d.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
      </section>

      <section className="diagnostics__section" aria-labelledby="diagnostics-computer">
        <h2 id="diagnostics-computer" className="diagnostics__heading">
          On this computer
        </h2>
        <dl className="facts diagnostics__facts">
          <dt>Sign-ins kept in</dt>
          <dd>
            {keyStorageWords[d.keyStorage] ?? d.keyStorage}
            {d.keyStorageNote !== "" && <p className="field__hint">{d.keyStorageNote}</p>}
          </dd>
          <dt>Data folder</dt>
          <dd>
            <code>{d.dataDir}</code>
          </dd>
        </dl>
      </section>

      <section className="diagnostics__section" aria-labelledby="diagnostics-check">
        <h2 id="diagnostics-check" className="diagnostics__heading">
          Connection
        </h2>
        <p className="field__hint">
          {accountId
            ? "Checks the settings, reaching Fullscript, the redirect URI, the Embed frame and the selected account’s access."
            : "Checks the settings, reaching Fullscript, the redirect URI and the Embed frame. Choose an account to check its access too."}
        </p>
        {!online && needsInternet(d.environment) && (
          <p className="diagnostics__offline">You are offline: the checks that reach Fullscript will fail.</p>
        )}
        <div className="diagnostics__run">
          <button type="button" className="button button--primary" onClick={runCheck} disabled={check.status === "running"}>
            {check.status === "done" || check.status === "error" ? "Check again" : "Check connection"}
          </button>
          <span className="diagnostics__running" role="status">
            {check.status === "running" && (
              <>
                <span className="spinner spinner--small" aria-hidden="true" />
                Checking the connection…
              </>
            )}
          </span>
        </div>
        {check.status === "error" && <InlineError error={check.error} />}
        {check.status === "done" && <CheckList report={check.report} />}
      </section>
    </div>
  );
}

const statusWords: Record<ConnectionCheck["status"], string> = { ok: "OK", failed: "Failed", skipped: "Skipped" };
const statusIcons: Record<ConnectionCheck["status"], string> = { ok: "✓", failed: "✕", skipped: "–" };

function CheckList({ report }: { report: ConnectionReport }) {
  const failed = report.checks.filter((c) => c.status === "failed").length;
  return (
    <div className="checks">
      <p role="status" className="checks__summary">
        {failed === 0
          ? `Everything checked works for ${environmentLabel(report.environment)}.`
          : `${failed} of ${report.checks.length} checks failed for ${environmentLabel(report.environment)}.`}
      </p>
      <ul className="checks__list" aria-label="Connection checks">
        {report.checks.map((c) => (
          <li key={c.name} className={`check check--${c.status}`}>
            <span className="check__icon" aria-hidden="true">
              {statusIcons[c.status] ?? "?"}
            </span>
            <div className="check__body">
              <p className="check__title">
                <strong>{c.name}</strong> <span className="check__status">{statusWords[c.status] ?? c.status}</span>
              </p>
              {c.message !== "" && <p className="check__message">{c.message}</p>}
              {c.fix !== "" && <p className="check__fix">{c.fix}</p>}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A value to paste into Fullscript's dashboard: selectable text, and Copy where the clipboard is available. */
function CopyValue({ value, what }: { value: string; what: string }) {
  const [copied, setCopied] = useState<"" | "copied" | "failed">("");
  const clipboard = typeof navigator !== "undefined" ? navigator.clipboard : undefined;

  function copy() {
    clipboard?.writeText(value).then(
      () => setCopied("copied"),
      () => setCopied("failed"),
    );
  }

  return (
    <span className="copy-value">
      <code className="copy-value__text">{value}</code>
      {clipboard && (
        <button type="button" className="button button--small button--secondary" onClick={copy} aria-label={`Copy ${what}`}>
          Copy
        </button>
      )}
      <span className="copy-value__note" role="status">
        {copied === "copied" ? "Copied" : copied === "failed" ? "Could not copy: select the text and copy it." : ""}
      </span>
    </span>
  );
}
