import { useCallback, useEffect, useState } from "react";
import { useCompanionApi } from "../api/CompanionApiContext";
import type { LaunchIntent } from "../api/companionApi";

/**
 * What `fullscript-companion open` asked for: once at start (the command
 * that launched this window), then whenever a second `open` hands one over.
 * `done()` clears it once the window has acted on it.
 */
export function useLaunchIntent(): { intent: LaunchIntent | null; done: () => void } {
  const api = useCompanionApi();
  const [intent, setIntent] = useState<LaunchIntent | null>(null);
  useEffect(() => {
    let live = true;
    api.launchIntent().then(
      (first) => live && first && setIntent(first),
      () => undefined, // no intent is the normal case
    );
    const off = api.onLaunch((next) => setIntent(next));
    return () => {
      live = false;
      off();
    };
  }, [api]);
  const done = useCallback(() => setIntent(null), []);
  return { intent, done };
}
