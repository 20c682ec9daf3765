import { useCallback, useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type EventsStatus, type HistoryPage, type HistoryQuery } from "../../api/companionApi";
import "../../styles/workspace.css";
import { ProblemNote } from "../workspace/ProblemNote";
import { CheckStatus } from "./CheckStatus";
import { HistoryFilters } from "./HistoryFilters";
import { HistoryTable } from "./HistoryTable";

type HistoryState = { status: "loading" } | { status: "ready"; page: HistoryPage } | { status: "error"; error: AppError };

const noFilter: HistoryQuery = { clinic: "", person: "", patientId: "", category: "", limit: 0 };

interface HistoryViewProps {
  /** Called once History has been shown: its new entries are seen. */
  onSeen?: (() => void) | undefined;
  /** Changes when accounts come or go (a sign-out may take its history with it): History loads again. */
  accountsKey?: string | undefined;
}

/**
 * The practitioner's record: what was done here and what Fullscript says
 * happened at each clinic, kept on this computer and readable offline.
 */
export function HistoryView({ onSeen, accountsKey = "" }: HistoryViewProps) {
  const api = useCompanionApi();
  const [state, setState] = useState<HistoryState>({ status: "loading" });
  const [query, setQuery] = useState<HistoryQuery>(noFilter);
  const [attempt, setAttempt] = useState(0);
  const [checking, setChecking] = useState(false);
  const [checkStatus, setCheckStatus] = useState<EventsStatus | null>(null);
  const titleId = useId();

  useEffect(() => {
    let live = true;
    api.historyRecord(query).then(
      (page) => {
        if (!live) return;
        setState({ status: "ready", page });
        setCheckStatus(page.checking);
      },
      (err: unknown) => live && setState({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, query, attempt, accountsKey]);

  // New events while History is open: shown at once.
  useEffect(() => api.onHistory(() => setAttempt((n) => n + 1)), [api]);

  // Seen once shown, and again with each load while it is open (a second
  // arrival leaves the count as it was, so the count cannot be the trigger).
  const shown = state.status === "ready" ? state.page : null;
  const unread = shown?.unread ?? 0;
  useEffect(() => {
    if (!shown) return;
    api.markHistorySeen().then(
      () => onSeen?.(),
      () => undefined,
    );
  }, [api, shown, onSeen]);
  const filtered = query.clinic !== "" || query.person !== "" || query.patientId !== "" || query.category !== "";

  const checkNow = useCallback(() => {
    setChecking(true);
    api.checkEventsNow().then(
      (s) => {
        setCheckStatus(s);
        setChecking(false);
        setAttempt((n) => n + 1);
      },
      (err: unknown) => {
        setChecking(false);
        setState({ status: "error", error: toAppError(err) });
      },
    );
  }, [api]);

  return (
    <section className="history" aria-labelledby={titleId}>
      <header className="history__header">
        <h1 id={titleId} className="history__title">
          History
        </h1>
        <p className="history__who">What you did here, and what Fullscript reports from your clinics: orders, lab results, plans.</p>
        {checkStatus && <CheckStatus status={checkStatus} checking={checking} onCheckNow={checkNow} />}
      </header>
      {state.status === "loading" && (
        <p className="history__status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Loading history…
        </p>
      )}
      {state.status === "error" && <ProblemNote error={state.error} onRetry={() => setAttempt((n) => n + 1)} />}
      {state.status === "ready" && (
        <>
          {unread > 0 && (
            <p className="history__unread" role="status">
              {unread === 1 ? "1 new from Fullscript" : `${unread} new from Fullscript`} since you last looked.
            </p>
          )}
          <HistoryFilters page={state.page} query={query} onChange={setQuery} />
          {state.page.unreadable > 0 && (
            <p className="history__problem">
              {state.page.unreadable === 1 ? "1 entry" : `${state.page.unreadable} entries`} could not be read on this computer and
              {state.page.unreadable === 1 ? " is" : " are"} not shown.
            </p>
          )}
          {state.page.items.length === 0 ? (
            <p className="history__empty">
              {!filtered
                ? "Nothing yet: plans you activate, screens opened in the browser, and what Fullscript reports from your clinics appear here, even offline."
                : "Nothing matches these filters."}
            </p>
          ) : (
            <HistoryTable items={state.page.items} />
          )}
        </>
      )}
    </section>
  );
}
