interface ErrorPanelProps {
  title: string;
  message: string;
  onRetry: () => void;
}

/** What went wrong, in words, and the one thing to do about it. */
export function ErrorPanel({ title, message, onRetry }: ErrorPanelProps) {
  return (
    <div className="panel panel--centered" role="alert">
      <h1 className="panel__title">{title}</h1>
      <p className="panel__lead">{message}</p>
      <button type="button" className="button button--primary" onClick={onRetry} autoFocus>
        Try again
      </button>
    </div>
  );
}
