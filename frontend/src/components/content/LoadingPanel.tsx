/** A spinner with words; it fades in, so quick loads do not flash. */
export function LoadingPanel({ label }: { label: string }) {
  return (
    <div className="panel panel--centered" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <p className="panel__lead">{label}</p>
    </div>
  );
}
