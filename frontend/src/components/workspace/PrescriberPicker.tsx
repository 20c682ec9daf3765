import { useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type Practitioner } from "../../api/companionApi";

type Load = { status: "loading" } | { status: "ready"; practitioners: Practitioner[]; chosen: string } | { status: "error"; error: AppError };

/**
 * A staff member writes plans for a practitioner: who it is, for screens
 * that open in the browser (Fullscript's own screen in the window asks
 * itself). Remembered per account.
 */
export function PrescriberPicker({ accountId, online }: { accountId: string; online: boolean }) {
  const api = useCompanionApi();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const id = useId();

  useEffect(() => {
    if (!online) return;
    let live = true;
    Promise.all([api.practitioners(accountId), api.prescriber(accountId)]).then(
      ([practitioners, chosen]) => live && setLoad({ status: "ready", practitioners, chosen }),
      (err: unknown) => live && setLoad({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, accountId, online]);

  const choose = (practitionerId: string) => {
    if (load.status !== "ready") return;
    setLoad({ ...load, chosen: practitionerId });
    setSaveError(null);
    api.setPrescriber(accountId, practitionerId).catch((err: unknown) => setSaveError(toAppError(err)));
  };

  return (
    <div className="prescriber-picker">
      <label className="prescriber-picker__label" htmlFor={id}>
        Prescribing for
      </label>
      <select
        id={id}
        className="prescriber-picker__select"
        value={load.status === "ready" ? load.chosen : ""}
        disabled={load.status !== "ready"}
        onChange={(e) => choose(e.target.value)}
      >
        <option value="">{load.status === "loading" ? "Loading practitioners…" : "Choose a practitioner"}</option>
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
