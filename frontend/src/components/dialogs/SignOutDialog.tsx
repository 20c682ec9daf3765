import { useEffect, useRef, useState, type RefObject } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError, type SignOutResult } from "../../api/companionApi";
import { InlineError } from "../content/InlineError";
import { whoAndWhere } from "../sidebar/accountNames";
import { needsInternet } from "../sidebar/network";
import { Dialog } from "./Dialog";

interface SignOutDialogProps {
  account: Account;
  online: boolean;
  onClose: () => void;
  /** Called as soon as the account is gone from this computer (the dialog then shows the result). */
  onSignedOut: (result: SignOutResult) => void;
  fallbackFocus?: RefObject<HTMLElement | null> | undefined;
}

type Step = { kind: "confirm" } | { kind: "working" } | { kind: "failed"; error: AppError } | { kind: "done"; result: SignOutResult };

/** What a sign-out did, in the practitioner's words. */
export function signOutResultText(account: Account, result: SignOutResult): string {
  const who = whoAndWhere(account);
  if (result.unreadable)
    return `${who} is removed. Its saved sign-in could not be read, so nothing could be sent to Fullscript to revoke it: it ends there by itself.`;
  if (result.revoked) return `${who} is signed out. Fullscript has revoked the sign-in.`;
  if (result.queued)
    return `${who} is signed out on this computer. Fullscript could not be reached, so the sign-in will be revoked when it can be.`;
  return `${who} is signed out. There was no active sign-in left to revoke at Fullscript.`;
}

/** What became of the account's History. */
export function historyResultText(result: SignOutResult): string {
  return result.historyRemoved ? "Its history was removed from this computer." : "Its history stays in History.";
}

/** Confirms a sign-out, naming who and where and what will happen, then says what did. */
export function SignOutDialog({ account, online, onClose, onSignedOut, fallbackFocus }: SignOutDialogProps) {
  const api = useCompanionApi();
  const [step, setStep] = useState<Step>({ kind: "confirm" });
  const who = whoAndWhere(account);
  const offline = !online && needsInternet(account.environment);
  const closeButton = useRef<HTMLButtonElement>(null);
  const [removeHistory, setRemoveHistory] = useState(false);

  // The confirm buttons are gone once it is done: the focus goes to Close.
  useEffect(() => {
    if (step.kind === "done") closeButton.current?.focus();
  }, [step.kind]);

  async function confirm() {
    setStep({ kind: "working" });
    try {
      const result = await api.signOut(account.id, removeHistory);
      setStep({ kind: "done", result });
      onSignedOut(result);
    } catch (err) {
      setStep({ kind: "failed", error: toAppError(err) });
    }
  }

  const working = step.kind === "working";
  return (
    <Dialog
      title={step.kind === "done" ? "Signed out" : `Sign out ${account.userName}?`}
      onClose={onClose}
      busy={working}
      fallbackFocus={fallbackFocus}
    >
      {step.kind === "done" ? (
        <div className="dialog__body">
          <p role="status">
            {signOutResultText(account, step.result)} {historyResultText(step.result)}
          </p>
          <div className="dialog__actions">
            <button ref={closeButton} type="button" className="button button--primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <div className="dialog__body">
          <p>
            <strong>{who}</strong> will be signed out of this app.
          </p>
          <p>
            {offline
              ? "You are offline: the sign-in is removed here now and revoked when you are back online."
              : "The sign-in is revoked at Fullscript now and removed from this computer."}
          </p>
          <p>
            {removeHistory
              ? "Its history (plans, orders, lab results and sign-ins kept here) will be deleted from this computer."
              : "Its history stays in History, readable on this computer."}
          </p>
          <label className="dialog__check">
            <input type="checkbox" checked={removeHistory} onChange={(e) => setRemoveHistory(e.target.checked)} disabled={working} />
            Remove the account and its history
          </label>
          {step.kind === "failed" && <InlineError error={step.error} />}
          <div className="dialog__actions">
            <button
              type="button"
              className="button button--secondary"
              onClick={onClose}
              disabled={working}
              data-autofocus
            >
              Cancel
            </button>
            <button type="button" className="button button--danger" onClick={confirm} disabled={working}>
              {working ? "Signing out…" : step.kind === "failed" ? "Try again" : removeHistory ? "Sign out and remove" : "Sign out"}
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
