import { useCallback, useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type PatientPlans as Plans, type PlanSummary } from "../../api/companionApi";
import { ProblemNote } from "./ProblemNote";

type Load = { status: "loading" } | { status: "ready"; plans: Plans } | { status: "error"; error: AppError };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const stateWords: Record<string, string> = { active: "Active", draft: "Draft", cancelled: "Cancelled", canceled: "Cancelled", inactive: "Inactive" };

function items(p: PlanSummary): string {
  const named = [...p.products, ...p.labs];
  const unnamed = p.productCount - p.products.length;
  if (unnamed > 0) named.push(unnamed === 1 ? "1 more product" : `${unnamed} more products`);
  return named.length > 0 ? named.join(", ") : "No items";
}

interface PatientPlansProps {
  accountId: string;
  patientId: string;
  patientName: string;
  online: boolean;
}

/**
 * The patient's treatment plans, newest first ("what has been working"),
 * each with its invitation link to copy. Offline: the last copy, dated.
 * Asked again with Refresh and whenever the window gets the focus back
 * (the practitioner returns from Fullscript in the browser).
 */
export function PatientPlans({ accountId, patientId, patientName, online }: PatientPlansProps) {
  const api = useCompanionApi();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [copied, setCopied] = useState<{ planId: string; error: AppError | null } | null>(null);
  const titleId = useId();
  const refresh = useCallback(() => setAttempt((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    api.patientPlans(accountId, patientId).then(
      (plans) => live && setLoad({ status: "ready", plans }),
      (err: unknown) => live && setLoad({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, accountId, patientId, attempt, online]);

  useEffect(() => {
    window.addEventListener("focus", refresh);
    return () => window.removeEventListener("focus", refresh);
  }, [refresh]);

  const copy = (planId: string) => {
    setCopied(null);
    api.copyPlanInvitation(accountId, planId).then(
      () => setCopied({ planId, error: null }),
      (err: unknown) => setCopied({ planId, error: toAppError(err) }),
    );
  };

  return (
    <section className="patient-plans" aria-labelledby={titleId}>
      <header className="patient-plans__header">
        <h2 id={titleId} className="patient-plans__title">
          Treatment plans for {patientName}
        </h2>
        <button type="button" className="button button--secondary button--small" onClick={refresh} disabled={!online}>
          Refresh
        </button>
      </header>
      {load.status === "loading" && (
        <p className="patient-plans__status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Loading plans…
        </p>
      )}
      {load.status === "error" && <ProblemNote error={load.error} onRetry={refresh} />}
      {load.status === "ready" && load.plans.saved && (
        <p className="patient-plans__saved" role="note">
          As of <time dateTime={load.plans.fetchedAt}>{timeFormat.format(Date.parse(load.plans.fetchedAt))}</time>:{" "}
          {load.plans.note || "Fullscript cannot be reached."}
        </p>
      )}
      {load.status === "ready" && load.plans.plans.length === 0 && <p className="patient-plans__empty">No treatment plans yet.</p>}
      {load.status === "ready" && load.plans.plans.length > 0 && (
        <ul className="patient-plans__list">
          {load.plans.plans.map((p) => (
            <li key={p.id} className="patient-plans__item">
              <div className="patient-plans__summary">
                <span className={`patient-plans__state patient-plans__state--${p.state || "unknown"}`}>{stateWords[p.state] ?? (p.state || "Unknown")}</span>{" "}
                <time dateTime={p.createdAt}>{Date.parse(p.createdAt) ? dateFormat.format(Date.parse(p.createdAt)) : ""}</time>
                {p.prescriber && <span className="patient-plans__prescriber"> · {p.prescriber}</span>}
                <p className="patient-plans__items">{items(p)}</p>
              </div>
              <button
                type="button"
                className="button button--secondary button--small"
                onClick={() => copy(p.id)}
                disabled={!online}
                aria-label={`Copy the invitation link of the plan of ${dateFormat.format(Date.parse(p.createdAt) || 0)}`}
              >
                Copy invitation link
              </button>
              {copied?.planId === p.id && (
                <p className={copied.error ? "field__error" : "patient-plans__copied"} role="status">
                  {copied.error ? `${copied.error.message} ${copied.error.fix}` : "Copied: the patient's link to this plan."}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
