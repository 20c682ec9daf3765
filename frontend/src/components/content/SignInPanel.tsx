import { useEffect, useRef } from "react";
import type { AppError } from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import "../../styles/accounts.css";

export interface SignInPanelProps {
  phase: "waiting" | "error";
  /** Required in phase "error". */
  error?: AppError | undefined;
  /** The environment being signed in to (an id such as "us-snd"). */
  environment: string;
  onCancel: () => void;
  onRetry: () => void;
  /** Shows Settings: the way out when the environment is not set up. */
  onOpenSettings?: () => void;
}

/**
 * The long wait while the practitioner signs in in the system browser: what
 * the app waits for, and a way out (Cancel or Esc). After a failure: what
 * happened, what to do, Try again.
 */
export function SignInPanel({ phase, error, environment, onCancel, onRetry, onOpenSettings }: SignInPanelProps) {
  const cancelRef = useRef(onCancel);
  useEffect(() => {
    cancelRef.current = onCancel;
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) {
        e.preventDefault();
        cancelRef.current();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const where = environmentLabel(environment);

  if (phase === "error") {
    const shown = error ?? {
      message: "The sign-in did not finish.",
      fix: "Try again.",
      detail: "",
    };
    // Not set up: say it in the window's words (the Go side's fix names the
    // command line's flags and variables) and offer Settings.
    const unset = shown.code === "settings_missing" && onOpenSettings !== undefined;
    const fix = unset ? `Open Settings, choose ${where}, and fill in what Fullscript's API Dashboard shows for your app.` : shown.fix;
    return (
      <div className="panel panel--centered sign-in" role="alert">
        <h1 className="panel__title">{shown.message}</h1>
        {fix !== "" && <p className="panel__lead">{fix}</p>}
        <div className="sign-in__actions">
          {unset ? (
            <button type="button" className="button button--primary" onClick={onOpenSettings} autoFocus>
              Open Settings
            </button>
          ) : (
            <button type="button" className="button button--primary" onClick={onRetry} autoFocus>
              Try again
            </button>
          )}
          <button type="button" className="button button--secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
        {shown.detail !== "" && (
          <details className="error-detail">
            <summary>Details for support</summary>
            <code>{shown.detail}</code>
          </details>
        )}
      </div>
    );
  }

  return (
    <div className="panel panel--centered sign-in">
      <h1 className="panel__title">Waiting for your browser</h1>
      <div className="sign-in__wait" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        <p className="panel__lead">
          Sign in to Fullscript in the browser window that opened. It says when you can come back here.
        </p>
      </div>
      <p className="sign-in__env">
        Signing in to Fullscript (<strong>{where}</strong>).
      </p>
      <button type="button" className="button button--secondary" onClick={onCancel} autoFocus>
        Cancel
      </button>
      <p className="sign-in__hint">Closed the browser tab by mistake? Cancel, then add the account again.</p>
    </div>
  );
}
