import { useId, useState } from "react";
import type { Account, Patient } from "../../api/companionApi";
import { NewPatientForm } from "./NewPatientForm";
import { PatientChip } from "./PatientChip";
import { PatientSearch } from "./PatientSearch";
import { RecentPatients } from "./RecentPatients";

export interface PatientPickerProps {
  account: Account;
  online: boolean;
  /** The chosen patient; the picker is controlled, so a launch can choose one too. */
  patient: Patient | null;
  onChange: (patient: Patient | null) => void;
  /**
   * Where the keyboard goes once a patient is chosen: it returns whether it
   * took the focus (the next step, Treatment plan); if not, the chip does.
   */
  onChosen?: () => boolean;
}

/**
 * The patient bar: search, recent patients, or a new one typed in. The
 * chosen patient lives in memory only; nothing here is written to disk.
 */
export function PatientPicker({ account, online, patient, onChange, onChosen }: PatientPickerProps) {
  const labelId = useId();
  const [adding, setAdding] = useState(false);
  // The focus goes where the keyboard goes next: after choosing, to what
  // opens Fullscript (else the chip, never its clear button, which one more
  // Enter would press); after Clear, to the search field.
  const [focusSearch, setFocusSearch] = useState(false);
  const [focusChip, setFocusChip] = useState(false);

  const choose = (p: Patient) => {
    setAdding(false);
    onChange(p);
    // After the chip replaced the search field, so the focus is not lost with it.
    setTimeout(() => {
      if (!onChosen?.()) setFocusChip(true);
    }, 0);
  };

  return (
    <div className="patient-picker">
      <div className="patient-picker__bar">
        <span id={labelId} className="patient-picker__label">
          Patient
        </span>
        {patient ? (
          <PatientChip
            patient={patient}
            autoFocus={focusChip}
            onClear={() => {
              setFocusSearch(true);
              onChange(null);
            }}
          />
        ) : (
          <PatientSearch account={account} online={online} onChoose={choose} autoFocus={focusSearch} labelledBy={labelId} />
        )}
        <RecentPatients account={account} onChoose={choose} />
        <button type="button" className="button button--secondary" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
          + New patient
        </button>
      </div>
      {adding && <NewPatientForm onUse={choose} onCancel={() => setAdding(false)} />}
    </div>
  );
}
