import { useEffect, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError, type Patient } from "../../api/companionApi";
import { patientDetail, patientLabel } from "./patientText";
import { ProblemNote } from "./ProblemNote";

type RecentState = { status: "loading" } | { status: "ready"; patients: Patient[] } | { status: "error"; error: AppError };

/** Loaded each time the list opens, so a patient remembered a minute ago is there. */
export function RecentPatientList({ account, onChoose }: { account: Account; onChoose: (patient: Patient) => void }) {
  const api = useCompanionApi();
  const [state, setState] = useState<RecentState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setState({ status: "loading" });
    api.recentPatients(account.id).then(
      (patients) => live && setState({ status: "ready", patients }),
      (err: unknown) => live && setState({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, account.id, attempt]);

  if (state.status === "loading") {
    return (
      <p className="patient-search__status" role="status">
        <span className="spinner spinner--small" aria-hidden="true" /> Loading recent patients…
      </p>
    );
  }
  if (state.status === "error") return <ProblemNote error={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (state.patients.length === 0) {
    return <p className="patient-search__status">No recent patients yet: patients you open a treatment plan for appear here.</p>;
  }
  return (
    <ul className="patient-list" aria-label="Recent patients">
      {state.patients.map((p, i) => (
        <li key={`${p.id || p.email}-${i}`}>
          <button type="button" className="patient-list__item patient-list__button" onClick={() => onChoose(p)} autoFocus={i === 0}>
            <span className="patient-list__name">{patientLabel(p)}</span>
            <span className="patient-list__detail">{patientDetail(p)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
