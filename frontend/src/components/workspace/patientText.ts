import type { Patient } from "../../api/companionApi";

/** A patient with nothing filled in: the start of one typed by hand. */
export function blankPatient(): Patient {
  return { id: "", firstName: "", lastName: "", email: "", dateOfBirth: "", sex: "", mobileNumber: "" };
}

export function patientName(p: Patient): string {
  return `${p.firstName} ${p.lastName}`.trim();
}

/** How a patient is named on screen; an id from a launch may be all there is. */
export function patientLabel(p: Patient): string {
  return patientName(p) || p.email || (p.id !== "" ? `Patient ${p.id}` : "Unnamed patient");
}

/** The second line: what tells two patients with the same name apart. */
export function patientDetail(p: Patient): string {
  const parts = [p.email, p.dateOfBirth].filter((s) => s !== "" && s !== patientLabel(p));
  if (p.id === "") parts.push("new patient");
  return parts.join(" · ");
}
