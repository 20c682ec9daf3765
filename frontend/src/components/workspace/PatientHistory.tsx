import { useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import type { HistoryItem } from "../../api/companionApi";
import { detailsOf, when } from "../history/historyWords";

interface PatientHistoryProps {
  environment: string;
  clinicId: string;
  patientId: string;
  patientName: string;
}

/** The patient's entries in History (this clinic's): orders, lab results, plans. Offline. */
export function PatientHistory({ environment, clinicId, patientId, patientName }: PatientHistoryProps) {
  const api = useCompanionApi();
  const [items, setItems] = useState<HistoryItem[] | null>(null);
  const [attempt, setAttempt] = useState(0);
  const titleId = useId();

  useEffect(() => {
    let live = true;
    api.historyRecord({ clinic: `${environment}|${clinicId}`, person: "", patientId, category: "", limit: 10 }).then(
      (page) => live && setItems(page.items),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [api, environment, clinicId, patientId, attempt]);

  useEffect(() => api.onHistory(() => setAttempt((n) => n + 1)), [api]);

  if (items === null || items.length === 0) return null;
  return (
    <section className="patient-history" aria-labelledby={titleId}>
      <h2 id={titleId} className="patient-history__title">
        History for {patientName}
      </h2>
      <ul className="patient-history__list">
        {items.map((it) => (
          <li key={it.id} className="patient-history__item">
            <time dateTime={it.at}>{when(it.at)}</time>
            <span className="patient-history__what">
              {it.title}
              {it.unread && <span className="history__new">New</span>}
            </span>
            <span className="patient-history__details">{detailsOf(it)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
