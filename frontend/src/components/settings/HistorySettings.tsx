import { useEffect, useId, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type EventSettings } from "../../api/companionApi";
import { InlineError } from "../content/InlineError";

const choices = [60, 120, 300, 600, 900, 1800, 3600];

function everyText(sec: number): string {
  if (sec < 60) return `Every ${sec} seconds`;
  const min = Math.round(sec / 60);
  return min === 1 ? "Every minute" : `Every ${min} minutes`;
}

/** How often History checks Fullscript's events, and the desktop notification switch. Saved on change. */
export function HistorySettings() {
  const api = useCompanionApi();
  const [settings, setSettings] = useState<EventSettings | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);
  const ids = useId();

  useEffect(() => {
    let live = true;
    api.eventSettings().then(
      (s) => live && setSettings(s),
      (err: unknown) => live && setError(toAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const save = (next: EventSettings) => {
    setSettings(next);
    setSaved(false);
    setError(null);
    api.saveEventSettings(next).then(
      (s) => {
        setSettings(s);
        setSaved(true);
      },
      (err: unknown) => setError(toAppError(err)),
    );
  };

  if (!settings) return error ? <InlineError error={error} /> : null;
  const options = choices.includes(settings.everySec) ? choices : [settings.everySec, ...choices];
  return (
    <section className="panel settings settings--history" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="settings__section-title">
        History
      </h2>
      <div className="field">
        <label className="field__label" htmlFor={`${ids}-every`}>
          Check Fullscript for orders, lab results and plans
        </label>
        <select
          id={`${ids}-every`}
          className="field__input"
          value={settings.everySec}
          onChange={(e) => save({ ...settings, everySec: Number(e.target.value) })}
        >
          {options.map((sec) => (
            <option key={sec} value={sec}>
              {everyText(sec)}
            </option>
          ))}
        </select>
        <p className="field__hint">While the window is open, one check per clinic. History's Check now checks at once.</p>
      </div>
      <label className="settings__switch">
        <input type="checkbox" checked={settings.notify} onChange={(e) => save({ ...settings, notify: e.target.checked })} />
        Show a desktop notification for new orders and lab results
      </label>
      {error && <InlineError error={error} />}
      <span className="settings__saved" role="status">
        {saved ? "Saved" : ""}
      </span>
    </section>
  );
}
