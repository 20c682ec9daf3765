import type { OpensIn, Patient } from "../../api/companionApi";
import { patientLabel } from "./patientText";

/** The empty Fullscript area: says what the buttons above will do, and where. */
export function EmbedPlaceholder({ patient, opensIn }: { patient: Patient | null; opensIn: OpensIn | null }) {
  return (
    <div className="embed-placeholder">
      <p className="embed-placeholder__title">{opensIn === "browser" ? "Fullscript opens in your browser" : "Fullscript opens here"}</p>
      <p className="embed-placeholder__lead">
        {patient
          ? `Treatment plan opens for ${patientLabel(patient)}. Catalog and Labs need no patient.`
          : "Choose a patient above for a treatment plan, or open it and pick the patient in Fullscript. Catalog and Labs need no patient."}
      </p>
    </div>
  );
}
