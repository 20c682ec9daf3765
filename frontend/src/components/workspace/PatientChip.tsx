import { useEffect, useRef } from "react";
import type { Patient } from "../../api/companionApi";
import { patientDetail, patientLabel } from "./patientText";

interface PatientChipProps {
  patient: Patient;
  onClear: () => void;
  /** Keeps the keyboard's place when the chip replaces the field that chose it (the chip, not its clear button). */
  autoFocus?: boolean;
}

/** The chosen patient, with the way to un-choose them. */
export function PatientChip({ patient, onClear, autoFocus = false }: PatientChipProps) {
  const label = patientLabel(patient);
  const detail = patientDetail(patient);
  const chip = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (autoFocus) chip.current?.focus();
  }, [autoFocus]);
  return (
    <span className="patient-chip" ref={chip} tabIndex={-1} role="group" aria-label={`Patient ${label}`}>
      <span className="patient-chip__name">{label}</span>
      {detail !== "" && <span className="patient-chip__detail">{detail}</span>}
      <button type="button" className="patient-chip__clear" aria-label={`Clear patient ${label}`} onClick={onClear}>
        ×
      </button>
    </span>
  );
}
