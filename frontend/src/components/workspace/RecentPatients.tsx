import { useId, useRef, useState, type KeyboardEvent } from "react";
import type { Account, Patient } from "../../api/companionApi";
import { RecentPatientList } from "./RecentPatientList";

/** Patients this account opened a plan for, kept on this computer: works offline. */
export function RecentPatients({ account, onChoose }: { account: Account; onChoose: (patient: Patient) => void }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const toggle = useRef<HTMLButtonElement>(null);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
      toggle.current?.focus();
    }
  };

  return (
    <div className="recent-patients" onKeyDown={onKeyDown}>
      <button
        ref={toggle}
        type="button"
        className="button button--secondary"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((o) => !o)}
      >
        Recent <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id={listId} className="recent-patients__popover">
          <RecentPatientList
            account={account}
            onChoose={(p) => {
              setOpen(false);
              onChoose(p);
            }}
          />
        </div>
      )}
    </div>
  );
}
