import { useId } from "react";
import type { HistoryChoice, HistoryPage, HistoryQuery } from "../../api/companionApi";

interface HistoryFiltersProps {
  page: HistoryPage;
  query: HistoryQuery;
  onChange: (query: HistoryQuery) => void;
}

/** Filters by clinic, person, patient and kind; each offers only what History holds. */
export function HistoryFilters({ page, query, onChange }: HistoryFiltersProps) {
  const filters: { key: keyof Omit<HistoryQuery, "limit">; label: string; all: string; choices: HistoryChoice[] }[] = [
    { key: "clinic", label: "Clinic", all: "All clinics", choices: page.clinics },
    { key: "person", label: "Person", all: "Everyone", choices: page.people },
    { key: "patientId", label: "Patient", all: "All patients", choices: page.patients },
    { key: "category", label: "Kind", all: "Everything", choices: page.categories },
  ];
  const id = useId();
  const active = filters.some((f) => query[f.key] !== "");
  return (
    <div className="history__filters" role="group" aria-label="Filter History">
      {filters.map((f) => (
        <label key={f.key} className="history__filter" htmlFor={`${id}-${f.key}`}>
          <span>{f.label}</span>
          <select id={`${id}-${f.key}`} value={query[f.key]} onChange={(e) => onChange({ ...query, [f.key]: e.target.value })}>
            <option value="">{f.all}</option>
            {f.choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      {active && (
        <button type="button" className="button button--link" onClick={() => onChange({ clinic: "", person: "", patientId: "", category: "", limit: 0 })}>
          Clear filters
        </button>
      )}
    </div>
  );
}
