import { useId, useState, type KeyboardEvent } from "react";
import type { Account, Feature, Patient } from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import { loadFullscriptLibrary, type FullscriptFactory } from "./fullscriptEmbed";
import { patientLabel } from "./patientText";
import { ProblemNote } from "./ProblemNote";
import { useFullscriptSession } from "./useFullscriptSession";
import { DEFAULT_SILENCE_MS, useSilentEmbed } from "./useSilentEmbed";

export interface FullscriptPanelProps {
  account: Account;
  feature: Feature;
  /** Handed to Fullscript when set; null lets the practitioner pick in Fullscript. */
  patient: Patient | null;
  /** The same patient as known now (a launch's id gains a name later); for the title only, no remount. */
  displayPatient?: Patient | null;
  onClose: () => void;
  onOpenDiagnostics: () => void;
  /** Opens the same screen in the browser instead; remember: always, for this environment. */
  onOpenInBrowser?: (remember: boolean) => void;
  /** How long the screen may stay silent before the app checks whether Fullscript refused it. */
  silenceMs?: number;
  /** Tests hand in a double; the app imports the library on first use. */
  loadFullscript?: () => Promise<FullscriptFactory>;
}

const featureTitles: Record<Feature, string> = {
  "treatment-plan": "Treatment plan",
  catalog: "Catalog",
  labs: "Labs",
};

/**
 * Fullscript's own screen for one feature. Another account's, kept hidden,
 * may be in the page too (each mount hides its own loading cover).
 */
export function FullscriptPanel({
  account,
  feature,
  patient,
  displayPatient,
  onClose,
  onOpenDiagnostics,
  onOpenInBrowser,
  silenceMs = DEFAULT_SILENCE_MS,
  loadFullscript = loadFullscriptLibrary,
}: FullscriptPanelProps) {
  // useId's characters are not all safe in an id the library looks up.
  const mountId = `fullscript-${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const { state, notice, heard, mounted, retry, stop } = useFullscriptSession({ account, feature, patient, mountId, loadFullscript });
  const frame = useSilentEmbed(account.id, mounted && state.status !== "failed" && !heard, silenceMs);
  // Not ticked: an explicit "In this window" in Settings is not undone by one click.
  const [always, setAlways] = useState(false);
  const shown = displayPatient ?? patient;
  const title = shown ? `${featureTitles[feature]} for ${patientLabel(shown)}` : featureTitles[feature];

  const close = () => {
    stop();
    onClose();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    e.preventDefault();
    close();
  };

  return (
    <section className="fullscript-panel" aria-label={title} onKeyDown={onKeyDown}>
      <div className="fullscript-panel__toolbar">
        <h2 className="fullscript-panel__title">{title}</h2>
        {/* A frame Fullscript refuses stays blank without any signal the app could
            see. The hint goes once Fullscript has spoken, or once the frame check
            says Fullscript frames this window (the screen is there, merely quiet). */}
        {!heard && frame !== "allowed" && (
          <button type="button" className="link-button" onClick={onOpenDiagnostics}>
            Screen stays blank? Check the connection
          </button>
        )}
        <button type="button" className="button button--secondary button--small" onClick={close}>
          Close
        </button>
      </div>
      {notice && (
        <p className={`fullscript-panel__notice fullscript-panel__notice--${notice.tone}`} role="status">
          {notice.text}
        </p>
      )}
      {onOpenInBrowser && (frame === "refused" || frame === "unknown") && (
        <div
          className={`fullscript-panel__notice fullscript-panel__refused ${frame === "refused" ? "fullscript-panel__notice--warning" : ""}`}
          role={frame === "refused" ? "alert" : "status"}
        >
          <p className="fullscript-panel__refused-text">
            {frame === "refused"
              ? `Fullscript does not show its screens inside this app (${environmentLabel(account.environment)}): this one stays blank.`
              : "Screen blank? The app could not check whether Fullscript shows it here; your browser always can."}
          </p>
          <button
            type="button"
            className="button button--primary button--small"
            onClick={() => {
              stop();
              onOpenInBrowser(always);
            }}
          >
            Open in the browser instead
          </button>
          <label className="fullscript-panel__always">
            <input type="checkbox" checked={always} onChange={(e) => setAlways(e.target.checked)} /> Always open Fullscript in the browser
            for this environment ({environmentLabel(account.environment)})
          </label>
        </div>
      )}
      <div className="fullscript-panel__stage">
        <div id={mountId} className="fullscript-panel__mount" hidden={state.status === "failed"} />
        {state.status === "opening" && (
          <div className="fullscript-panel__progress" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" />
            Opening Fullscript…
          </div>
        )}
        {state.status === "failed" && (
          <div className="fullscript-panel__problem">
            <ProblemNote error={state.error} onRetry={retry}>
              <button type="button" className="button button--secondary" onClick={onOpenDiagnostics}>
                Check the connection
              </button>
            </ProblemNote>
          </div>
        )}
      </div>
    </section>
  );
}
