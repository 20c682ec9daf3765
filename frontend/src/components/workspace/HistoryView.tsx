import { useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError, type HistoryEntry } from "../../api/companionApi";
import "../../styles/workspace.css";
import { ProblemNote } from "./ProblemNote";

type HistoryState = { status: "loading" } | { status: "ready"; entries: HistoryEntry[] } | { status: "error"; error: AppError };

const kindWords: Record<string, string> = {
  "treatmentPlan.activated": "Treatment plan activated",
  "patient.selected": "Patient selected",
  "browser.opened": "Opened in the browser",
};

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function when(at: string): string {
  const t = Date.parse(at);
  return Number.isNaN(t) ? at : timeFormat.format(t);
}

function newestFirst(entries: HistoryEntry[]): HistoryEntry[] {
  const time = (e: HistoryEntry) => Date.parse(e.at) || 0;
  return [...entries].sort((a, b) => time(b) - time(a));
}

/** What Fullscript reported for this account, kept on this computer: readable offline. */
export function HistoryView({ account }: { account: Account }) {
  const api = useCompanionApi();
  const [state, setState] = useState<HistoryState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const titleId = useId();

  useEffect(() => {
    let live = true;
    setState({ status: "loading" });
    api.history(account.id).then(
      (entries) => live && setState({ status: "ready", entries: newestFirst(entries) }),
      (err: unknown) => live && setState({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, account.id, attempt]);

  return (
    <section className="history" aria-labelledby={titleId}>
      <header className="history__header">
        <h1 id={titleId} className="history__title">
          History
        </h1>
        <p className="history__who">
          {account.userName} · {account.clinicName}
        </p>
      </header>
      {state.status === "loading" && (
        <p className="history__status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Loading history…
        </p>
      )}
      {state.status === "error" && <ProblemNote error={state.error} onRetry={() => setAttempt((n) => n + 1)} />}
      {state.status === "ready" && state.entries.length === 0 && (
        <p className="history__empty">Nothing yet: plans you activate, and screens opened in the browser, appear here, even offline.</p>
      )}
      {state.status === "ready" && state.entries.length > 0 && (
        <table className="history__table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Patient</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {state.entries.map((e) => {
              const kind = kindWords[e.kind] ?? e.kind;
              return (
                <tr key={e.id}>
                  <td>
                    <time dateTime={e.at}>{when(e.at)}</time>
                  </td>
                  <td>{kind}</td>
                  <td>{e.patientName || <span className="history__none">Not named</span>}</td>
                  <td>{detailsOf(e.summary, kind)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The Details cell: what the entry adds to its kind, never the kind again (older entries began with it). */
function detailsOf(summary: string, kind: string): string {
  if (summary === kind) return "";
  return summary.startsWith(`${kind}: `) ? summary.slice(kind.length + 2) : summary;
}
