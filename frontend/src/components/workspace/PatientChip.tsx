import type { Patient } from "../../api/companionApi";
import { patientDetail, patientLabel } from "./patientText";

interface PatientChipProps {
  patient: Patient;
  onClear: () => void;
  /** Keeps the keyboard's place when the chip replaces the field that chose it. */
  autoFocus?: boolean;
}

/** The chosen patient, with the way to un-choose them. */
export function PatientChip({ patient, onClear, autoFocus = false }: PatientChipProps) {
  const label = patientLabel(patient);
  const detail = patientDetail(patient);
  return (
    <span className="patient-chip">
      <span className="patient-chip__name">{label}</span>
      {detail !== "" && <span className="patient-chip__detail">{detail}</span>}
      <button type="button" className="patient-chip__clear" aria-label={`Clear patient ${label}`} onClick={onClear} autoFocus={autoFocus}>
        ×
      </button>
    </span>
  );
}
