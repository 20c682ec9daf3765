import type { EventsStatus } from "../../api/companionApi";
import { ago, when } from "./historyWords";

interface CheckStatusProps {
  status: EventsStatus;
  checking: boolean;
  onCheckNow: () => void;
}

/** How checking Fullscript goes, and "Check now". */
export function CheckStatus({ status, checking, onCheckNow }: CheckStatusProps) {
  let text: string;
  if (checking || status.checking) text = "Checking Fullscript…";
  else if (status.waitUntil) text = `Fullscript asked the app to wait; it checks again after ${when(status.waitUntil)}.`;
  else if (status.offline) text = "Fullscript cannot be reached; the app checks again when it can. What is here stays readable.";
  else if (status.checkedAt) text = `Checked Fullscript ${ago(status.checkedAt)}.`;
  else text = "Not checked Fullscript yet.";
  const every = status.everySec >= 60 ? `every ${Math.round(status.everySec / 60)} min` : `every ${status.everySec} s`;
  return (
    <div className="history__check">
      <p className="history__status" role="status">
        {text} <span className="history__every">Checks {every}.</span>
      </p>
      {status.problem && !status.offline && <p className="history__problem">{status.problem}</p>}
      <button type="button" className="button button--secondary" onClick={onCheckNow} disabled={checking}>
        {checking ? "Checking…" : "Check now"}
      </button>
    </div>
  );
}
