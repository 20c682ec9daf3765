import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Patient } from "../../api/companionApi";
import { blankPatient } from "./patientText";

type Field = Exclude<keyof Patient, "id">;
type FieldErrors = Partial<Record<Field, string>>;

const fields: readonly { name: Field; label: string; type?: string; autoComplete?: string }[] = [
  { name: "firstName", label: "First name" },
  { name: "lastName", label: "Last name" },
  { name: "email", label: "Email", type: "email" },
  { name: "dateOfBirth", label: "Date of birth", type: "date" },
  { name: "sex", label: "Sex" },
  { name: "mobileNumber", label: "Mobile", type: "tel" },
];

function isField(name: string): name is Field {
  return fields.some((f) => f.name === name);
}

// The same words as the Go side's ValidatePatient, so a message does not
// change when the server's check takes over.
function requiredMissing(p: Patient): FieldErrors {
  const errors: FieldErrors = {};
  if (p.firstName === "") errors.firstName = "Enter the patient's first name.";
  if (p.lastName === "") errors.lastName = "Enter the patient's last name.";
  if (p.email === "") errors.email = "Enter the patient's email: Fullscript sends the plan there.";
  return errors;
}

function trimmed(p: Patient): Patient {
  return {
    id: "",
    firstName: p.firstName.trim(),
    lastName: p.lastName.trim(),
    email: p.email.trim(),
    dateOfBirth: p.dateOfBirth.trim(),
    sex: p.sex,
    mobileNumber: p.mobileNumber.trim(),
  };
}

interface NewPatientFormProps {
  onUse: (patient: Patient) => void;
  onCancel: () => void;
}

/**
 * A patient typed in by hand. Fullscript gets these details and suggests a
 * match or creates the patient; the app keeps them in memory only.
 */
export function NewPatientForm({ onUse, onCancel }: NewPatientFormProps) {
  const api = useCompanionApi();
  const idPrefix = useId();
  const [patient, setPatient] = useState<Patient>(blankPatient);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const inputs = useRef<Partial<Record<Field, HTMLInputElement | HTMLSelectElement | null>>>({});

  const showErrors = (found: FieldErrors) => {
    setErrors(found);
    const first = fields.find((f) => found[f.name] !== undefined);
    if (first) inputs.current[first.name]?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (checking) return;
    const p = trimmed(patient);
    setFormError(null);
    const missing = requiredMissing(p);
    if (Object.keys(missing).length > 0) {
      showErrors(missing);
      return;
    }
    setChecking(true);
    try {
      const result = await api.validatePatient(p);
      const found: FieldErrors = {};
      const other: string[] = [];
      for (const fe of result) {
        if (isField(fe.field)) found[fe.field] ??= fe.message;
        else other.push(fe.message);
      }
      if (other.length > 0) setFormError(other.join(" "));
      if (result.length > 0) {
        showErrors(found);
        return;
      }
      onUse(p);
    } catch (err) {
      setFormError(`The details could not be checked: ${toAppError(err).message}`);
    } finally {
      setChecking(false);
    }
  };

  const change = (name: Field, value: string) => {
    setPatient((p) => ({ ...p, [name]: value }));
    setErrors((errs) => ({ ...errs, [name]: undefined }));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    }
  };

  return (
    <form className="new-patient" aria-label="New patient" noValidate onSubmit={submit} onKeyDown={onKeyDown}>
      <div className="new-patient__grid">
        {fields.map((f) => {
          const id = `${idPrefix}-${f.name}`;
          const error = errors[f.name];
          const common = {
            id,
            name: f.name,
            value: patient[f.name],
            "aria-invalid": error !== undefined,
            "aria-describedby": error !== undefined ? `${id}-error` : undefined,
          };
          return (
            <div key={f.name} className="new-patient__field">
              <label htmlFor={id}>{f.label}</label>
              {f.name === "sex" ? (
                <select
                  {...common}
                  ref={(el) => {
                    inputs.current.sex = el;
                  }}
                  onChange={(e) => change("sex", e.target.value)}
                >
                  <option value="">Not given</option>
                  <option value="female">Female</option>
                  <option value="male">Male</option>
                </select>
              ) : (
                <input
                  {...common}
                  type={f.type ?? "text"}
                  autoComplete="off"
                  autoFocus={f.name === "firstName"}
                  placeholder={f.name === "mobileNumber" ? "+16045550123" : undefined}
                  ref={(el) => {
                    inputs.current[f.name] = el;
                  }}
                  onChange={(e) => change(f.name, e.target.value)}
                />
              )}
              {error !== undefined && (
                <p id={`${id}-error`} className="field-error">
                  {error}
                </p>
              )}
            </div>
          );
        })}
      </div>
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      <div className="new-patient__actions">
        <button type="submit" className="button button--primary" disabled={checking}>
          {checking ? "Checking…" : "Use this patient"}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
