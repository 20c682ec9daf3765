/** Accounts exist but none is chosen yet. */
export function ChooseAccountPanel() {
  return (
    <div className="panel panel--centered">
      <h1 className="panel__title">Choose an account</h1>
      <p className="panel__lead">Pick the person and clinic to act as from the list on the left.</p>
    </div>
  );
}
