import type { ReactNode } from "react";
import type { BrowserOpened } from "../../api/companionApi";
import { ProblemNote } from "./ProblemNote";
import type { BrowserOpening } from "./useBrowserOpening";

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

function what(o: BrowserOpened): string {
  return o.patient ? `${o.screen} for ${o.patient}` : o.screen;
}

function who(o: BrowserOpened): string {
  return `as ${o.person} at ${o.clinic}${o.for ? `, for ${o.for}` : ""}`;
}

interface BrowserPanelProps {
  state: BrowserOpening;
  onOpenAgain: () => void;
  onCopy: () => void;
  onClose: () => void;
  /** Shown below (the patient's plans). */
  children?: ReactNode;
}

/** What the app opened in the browser, with Open again; or why it could not. */
export function BrowserPanel({ state, onOpenAgain, onCopy, onClose, children }: BrowserPanelProps) {
  return (
    <section className="browser-panel" aria-label="Fullscript in your browser">
      {state.status === "opening" && (
        <p className="browser-panel__status" role="status">
          <span className="spinner spinner--small" aria-hidden="true" /> Opening Fullscript in your browser…
        </p>
      )}
      {(state.status === "opened" || state.status === "copied") && (
        <div className="browser-panel__done" role="status">
          <p className="browser-panel__title">
            {state.status === "opened" ? "Opened in your browser" : "A new link is on the clipboard"}: {what(state.opened)}
          </p>
          <p className="browser-panel__who">
            {who(state.opened)} · <time dateTime={state.opened.at}>{timeFormat.format(Date.parse(state.opened.at) || Date.now())}</time>
          </p>
          <p className="browser-panel__hint">
            {state.status === "opened"
              ? "Finish in Fullscript in your browser. Each link is made when you click, so Open again gives a new one."
              : "Paste it into your browser within a minute (then the app clears it), and do not share it: it may sign its holder in."}
          </p>
        </div>
      )}
      {state.status === "failed" && (
        <ProblemNote error={state.error} onRetry={onOpenAgain}>
          {/* Only when the link was made and the browser would not take it: copying cannot help otherwise. */}
          {state.error.code === "browser_not_opened" && (
            <button type="button" className="button button--secondary" onClick={onCopy}>
              Copy the link instead
            </button>
          )}
        </ProblemNote>
      )}
      <div className="browser-panel__actions">
        {state.status !== "failed" && (
          <button type="button" className="button button--primary" onClick={onOpenAgain} disabled={state.status === "opening"}>
            Open again
          </button>
        )}
        {state.status !== "failed" && (
          <button type="button" className="button button--secondary" onClick={onCopy} disabled={state.status === "opening"}>
            Copy link
          </button>
        )}
        <button type="button" className="button button--secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {children}
    </section>
  );
}
