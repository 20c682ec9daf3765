import type { ReactNode } from "react";
import type { AppError } from "../../api/companionApi";
import "../../styles/accounts.css";

/**
 * A failure inside a view or dialog: what happened, the one thing to do,
 * and the raw detail folded away for support. ErrorPanel is the full-page one.
 */
export function InlineError({ error, children }: { error: AppError; children?: ReactNode }) {
  return (
    <div className="inline-error" role="alert">
      <p className="inline-error__message">{error.message}</p>
      {error.fix !== "" && <p className="inline-error__fix">{error.fix}</p>}
      {error.detail !== "" && (
        <details className="inline-error__detail">
          <summary>Details for support</summary>
          <code>{error.detail}</code>
        </details>
      )}
      {children}
    </div>
  );
}
