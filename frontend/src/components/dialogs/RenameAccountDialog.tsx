import { useId, useState, type FormEvent, type RefObject } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError } from "../../api/companionApi";
import { InlineError } from "../content/InlineError";
import { Dialog } from "./Dialog";

/** The longest label the Go side accepts (store.MaxLabelLen), in characters. */
export const maxLabelLength = 60;

interface RenameAccountDialogProps {
  account: Account;
  onClose: () => void;
  /** Called after the new label is stored, before the dialog closes. */
  onRenamed: (account: Account) => void;
  fallbackFocus?: RefObject<HTMLElement | null> | undefined;
}

/** Sets the name the list shows for an account; empty brings back the person's name. */
export function RenameAccountDialog({ account, onClose, onRenamed, fallbackFocus }: RenameAccountDialogProps) {
  const api = useCompanionApi();
  const fieldId = useId();
  const hintId = useId();
  const [label, setLabel] = useState(account.label);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const length = [...label.trim()].length;
  const tooLong = length > maxLabelLength;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (tooLong || saving) return;
    setSaving(true);
    setError(null);
    try {
      const renamed = await api.renameAccount(account.id, label.trim());
      onRenamed(renamed);
      onClose();
    } catch (err) {
      setError(toAppError(err));
      setSaving(false);
    }
  }

  return (
    <Dialog title={`Rename ${account.userName}`} onClose={onClose} busy={saving} fallbackFocus={fallbackFocus}>
      <form className="dialog__body" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={fieldId} className="field__label">
            Name shown in the list
          </label>
          <input
            id={fieldId}
            className="field__input"
            type="text"
            value={label}
            maxLength={maxLabelLength}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={hintId}
            aria-invalid={tooLong || undefined}
            data-autofocus
            onChange={(e) => setLabel(e.target.value)}
          />
          <p id={hintId} className="field__hint">
            {tooLong
              ? `Use at most ${maxLabelLength} characters.`
              : `At ${account.clinicName}. Leave empty to show “${account.userName}”. ${length}/${maxLabelLength}`}
          </p>
        </div>
        {error && <InlineError error={error} />}
        <div className="dialog__actions">
          <button type="button" className="button button--secondary" onClick={onClose} disabled={saving}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={saving || tooLong}>
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
