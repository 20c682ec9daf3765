import type { AppError } from "../../api/companionApi";

interface ErrorPanelProps {
  error: AppError;
  onRetry: () => void;
}

/** What went wrong and the one thing to do about it; the raw detail is folded away for support. */
export function ErrorPanel({ error, onRetry }: ErrorPanelProps) {
  return (
    <div className="panel panel--centered" role="alert">
      <h1 className="panel__title">{error.message}</h1>
      <p className="panel__lead">{error.fix}</p>
      <button type="button" className="button button--primary" onClick={onRetry} autoFocus>
        Try again
      </button>
      {error.detail !== "" && (
        <details className="error-detail">
          <summary>Details for support</summary>
          <code>{error.detail}</code>
        </details>
      )}
    </div>
  );
}
