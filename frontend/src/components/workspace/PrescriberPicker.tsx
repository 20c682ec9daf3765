import { useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type Practitioner } from "../../api/companionApi";

type Load = { status: "loading" } | { status: "ready"; practitioners: Practitioner[] } | { status: "error"; error: AppError };

interface PrescriberPickerProps {
  accountId: string;
  online: boolean;
  /** The practitioner chosen; null while the saved choice is read. */
  value: string | null;
  onChange: (practitionerId: string) => void;
  /** Saving the choice failed. */
  saveError: AppError | null;
}

/**
 * A staff member writes plans for a practitioner: who it is, for screens
 * that open in the browser (Fullscript's own screen in the window asks
 * itself). The workspace holds the choice, so a link made right after a
 * change is for the practitioner on screen.
 */
export function PrescriberPicker({ accountId, online, value, onChange, saveError }: PrescriberPickerProps) {
  const api = useCompanionApi();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const id = useId();

  useEffect(() => {
    if (!online) return;
    let live = true;
    api.practitioners(accountId).then(
      (practitioners) => live && setLoad({ status: "ready", practitioners }),
      (err: unknown) => live && setLoad({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, accountId, online]);

  const ready = load.status === "ready" && value !== null;
  return (
    <div className="prescriber-picker">
      <label className="prescriber-picker__label" htmlFor={id}>
        Prescribing for
      </label>
      <select id={id} className="prescriber-picker__select" value={ready ? value : ""} disabled={!ready} onChange={(e) => onChange(e.target.value)}>
        <option value="">{ready ? "Choose a practitioner" : "Loading practitioners…"}</option>
        {load.status === "ready" &&
          load.practitioners.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
      </select>
      {load.status === "error" && (
        <p className="field__error" role="alert">
          {load.error.message} {load.error.fix}
        </p>
      )}
      {saveError && (
        <p className="field__error" role="alert">
          {saveError.message} {saveError.fix}
        </p>
      )}
    </div>
  );
}
