import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError, type Patient } from "../../api/companionApi";
import { patientDetail, patientLabel } from "./patientText";
import { ProblemNote } from "./ProblemNote";

/** Typing pauses this long before the clinic is searched. */
export const SEARCH_DELAY_MS = 300;
/** Fewer letters than this match half the clinic; wait for more. */
const MIN_QUERY = 2;

type SearchState =
  | { status: "idle" }
  | { status: "searching" }
  | { status: "error"; error: AppError }
  | {
      status: "done";
      query: string;
      patients: Patient[];
      page: number;
      totalPages: number;
      more: "idle" | "loading" | AppError;
    };

interface PatientSearchProps {
  account: Account;
  /** Search asks Fullscript, so it needs the network. */
  online: boolean;
  onChoose: (patient: Patient) => void;
  autoFocus?: boolean;
  labelledBy: string;
}

/** The clinic's patients by name or email: debounced, paged with More, arrows and Enter to choose. */
export function PatientSearch({ account, online, onChoose, autoFocus = false, labelledBy }: PatientSearchProps) {
  const api = useCompanionApi();
  const listId = useId();
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<SearchState>({ status: "idle" });
  const [active, setActive] = useState(-1);
  const [attempt, setAttempt] = useState(0);
  // The list floats over the buttons below: it shows only while the search has focus.
  const [focused, setFocused] = useState(autoFocus);
  const latestQuery = useRef("");

  const trimmed = query.trim();
  useEffect(() => {
    latestQuery.current = trimmed;
    setActive(-1);
    if (trimmed.length < MIN_QUERY || !online) {
      setSearch({ status: "idle" });
      return;
    }
    // "Searching…" shows at once, while the pause runs, not 300 ms later.
    setSearch({ status: "searching" });
    let live = true;
    const timer = setTimeout(() => {
      api.searchPatients(account.id, trimmed, 1).then(
        (page) =>
          live &&
          setSearch({
            status: "done",
            query: trimmed,
            patients: page.patients,
            page: page.page,
            totalPages: page.totalPages,
            more: "idle",
          }),
        (err: unknown) => live && setSearch({ status: "error", error: toAppError(err) }),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, account.id, trimmed, online, attempt]);

  const loadMore = () => {
    if (search.status !== "done") return;
    const { query: q, page } = search;
    setSearch({ ...search, more: "loading" });
    api.searchPatients(account.id, q, page + 1).then(
      (next) =>
        latestQuery.current === q &&
        setSearch((s) =>
          s.status === "done"
            ? { ...s, patients: [...s.patients, ...next.patients], page: next.page, totalPages: next.totalPages, more: "idle" }
            : s,
        ),
      (err: unknown) =>
        latestQuery.current === q && setSearch((s) => (s.status === "done" ? { ...s, more: toAppError(err) } : s)),
    );
  };

  // Arrowing through a long list keeps the active patient in view.
  useEffect(() => {
    if (active >= 0) document.getElementById(`${listId}-option-${active}`)?.scrollIntoView?.({ block: "nearest" });
  }, [active, listId]);

  const patients = search.status === "done" ? search.patients : [];
  const choose = (p: Patient) => {
    setQuery("");
    onChoose(p);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" && patients.length > 0) {
      e.preventDefault();
      setActive((i) => (i + 1) % patients.length);
    } else if (e.key === "ArrowUp" && patients.length > 0) {
      e.preventDefault();
      setActive((i) => (i <= 0 ? patients.length - 1 : i - 1));
    } else if (e.key === "Enter") {
      const p = patients[active] ?? (patients.length === 1 ? patients[0] : undefined);
      if (p) {
        e.preventDefault();
        choose(p);
      }
    } else if (e.key === "Escape" && query !== "") {
      // Handled here, so an open Fullscript panel does not close too.
      e.preventDefault();
      setQuery("");
    }
  };

  // One letter finds too many to be of use: say what is needed instead of nothing.
  const tooShort = online && trimmed.length > 0 && trimmed.length < MIN_QUERY;
  const expanded = (search.status !== "idle" || tooShort) && focused;
  const optionId = (i: number) => `${listId}-option-${i}`;

  return (
    <div
      className="patient-search"
      onFocus={() => setFocused(true)}
      onBlur={(e) => {
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setFocused(false);
      }}
    >
      <input
        type="search"
        className="patient-search__input"
        role="combobox"
        aria-labelledby={labelledBy}
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? optionId(active) : undefined}
        placeholder={online ? "Search name or email…" : "Search needs the internet"}
        value={query}
        disabled={!online}
        autoFocus={autoFocus}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {/* Clicks in the list keep the focus in the field (WebKit does not focus clicked buttons). */}
      <div className="patient-search__popover" hidden={!expanded} onMouseDown={(e) => e.preventDefault()}>
        {tooShort && (
          <p className="patient-search__status" role="status">
            Type at least {MIN_QUERY} letters of a name or email.
          </p>
        )}
        {search.status === "searching" && (
          <p className="patient-search__status" role="status">
            <span className="spinner spinner--small" aria-hidden="true" /> Searching…
          </p>
        )}
        {search.status === "error" && <ProblemNote error={search.error} onRetry={() => setAttempt((n) => n + 1)} />}
        {search.status === "done" && search.patients.length === 0 && (
          <p className="patient-search__status">No patient matches “{search.query}”. Check the spelling, or add a new patient.</p>
        )}
        <ul id={listId} role="listbox" aria-label="Matching patients" className="patient-list">
          {patients.map((p, i) => (
            <li
              key={`${p.id}-${i}`}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              className="patient-list__item"
              onClick={() => choose(p)}
            >
              <span className="patient-list__name">{patientLabel(p)}</span>
              <span className="patient-list__detail">{patientDetail(p)}</span>
            </li>
          ))}
        </ul>
        {search.status === "done" && search.page < search.totalPages && (
          <div className="patient-search__more">
            {search.more === "idle" && (
              <button type="button" className="button button--secondary button--small" onClick={loadMore}>
                More
              </button>
            )}
            {search.more === "loading" && (
              <p className="patient-search__status" role="status">
                <span className="spinner spinner--small" aria-hidden="true" /> Loading more…
              </p>
            )}
            {typeof search.more === "object" && <ProblemNote error={search.more} onRetry={loadMore} />}
          </div>
        )}
      </div>
    </div>
  );
}
