import type { ReactNode } from "react";
import type { AppError } from "../../api/companionApi";

interface ProblemNoteProps {
  error: AppError;
  onRetry: () => void;
  /** Further actions next to Try again. */
  children?: ReactNode;
}

/** An error inside a view: what happened, what to do, details folded away for support. */
export function ProblemNote({ error, onRetry, children }: ProblemNoteProps) {
  return (
    <div className="problem" role="alert">
      <p className="problem__message">{error.message}</p>
      {error.fix !== "" && <p className="problem__fix">{error.fix}</p>}
      <div className="problem__actions">
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
        {children}
      </div>
      {error.detail !== "" && (
        <details className="problem__detail">
          <summary>Details for support</summary>
          <code>{error.detail}</code>
        </details>
      )}
    </div>
  );
}
