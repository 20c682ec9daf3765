import { useId } from "react";
import type { Feature, OpenChoice } from "../../api/companionApi";

const buttons: readonly { feature: Feature; label: string }[] = [
  { feature: "treatment-plan", label: "Treatment plan" },
  { feature: "catalog", label: "Catalog" },
  { feature: "labs", label: "Labs" },
];

export const OFFLINE_REASON = "Offline: Fullscript needs the internet. Recent patients and History still work.";

const whereWords = { window: "opens here", browser: "opens in your browser" } as const;

interface FeatureButtonsProps {
  online: boolean;
  /** The feature on screen, if any. */
  active: Feature | null;
  /** Where they open; null while the app is still finding out. */
  choice: OpenChoice | null;
  /** Something is opening in the browser: wait for it. */
  busy?: boolean;
  onOpen: (feature: Feature) => void;
}

/** What to open in Fullscript, and where each opens; offline they say why they cannot. */
export function FeatureButtons({ online, active, choice, busy = false, onOpen }: FeatureButtonsProps) {
  const reasonId = useId();
  const whereId = useId();
  const ready = online && choice !== null && !busy;
  return (
    <div className="feature-buttons">
      <div className="feature-buttons__row" role="group" aria-label="Open in Fullscript">
        {buttons.map(({ feature, label }) => (
          <button
            key={feature}
            type="button"
            className={`button ${active === feature ? "button--primary" : "button--secondary"} feature-buttons__button`}
            aria-pressed={active === feature}
            disabled={!ready}
            aria-describedby={online ? whereId : reasonId}
            onClick={() => onOpen(feature)}
          >
            {label}
            {choice && (
              <span className="feature-buttons__where">
                {choice.opens === "browser" ? " ↗ " : " · "}
                {whereWords[choice.opens]}
              </span>
            )}
          </button>
        ))}
      </div>
      {online && (
        <p id={whereId} className="feature-buttons__reason">
          {choice ? choice.reason : "Checking where Fullscript opens…"}
        </p>
      )}
      {!online && (
        <p id={reasonId} className="feature-buttons__offline">
          {OFFLINE_REASON}
        </p>
      )}
    </div>
  );
}
