import { useId } from "react";
import type { Feature } from "../../api/companionApi";

const buttons: readonly { feature: Feature; label: string }[] = [
  { feature: "treatment-plan", label: "Treatment plan" },
  { feature: "catalog", label: "Catalog" },
  { feature: "labs", label: "Labs" },
];

export const OFFLINE_REASON = "Offline: Fullscript needs the internet. Recent patients and History still work.";

interface FeatureButtonsProps {
  online: boolean;
  /** The feature on screen, if any. */
  active: Feature | null;
  onOpen: (feature: Feature) => void;
}

/** What to open in Fullscript; offline they say why they cannot. */
export function FeatureButtons({ online, active, onOpen }: FeatureButtonsProps) {
  const reasonId = useId();
  return (
    <div className="feature-buttons">
      <div className="feature-buttons__row" role="group" aria-label="Open in Fullscript">
        {buttons.map(({ feature, label }) => (
          <button
            key={feature}
            type="button"
            className={`button ${active === feature ? "button--primary" : "button--secondary"} feature-buttons__button`}
            aria-pressed={active === feature}
            disabled={!online}
            aria-describedby={online ? undefined : reasonId}
            onClick={() => onOpen(feature)}
          >
            {label}
          </button>
        ))}
      </div>
      {!online && (
        <p id={reasonId} className="feature-buttons__offline">
          {OFFLINE_REASON}
        </p>
      )}
    </div>
  );
}
