import { useEffect, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import type { FrameCheck } from "../../api/companionApi";

/** How long a loaded Fullscript screen may stay silent before the app asks why. */
export const DEFAULT_SILENCE_MS = 8_000;

/**
 * A frame Fullscript refuses looks like any other to the page: it loads,
 * blank, and nothing is ever posted (reference 5.11). Once the screen has
 * been open and silent for silenceMs, this asks the Go side whether
 * Fullscript refuses its frame for this window; null until then, and
 * whenever the screen spoke.
 */
export function useSilentEmbed(accountId: string, silent: boolean, silenceMs: number): FrameCheck | null {
  const api = useCompanionApi();
  const [check, setCheck] = useState<FrameCheck | null>(null);
  useEffect(() => {
    setCheck(null);
    if (!silent) return;
    let live = true;
    const timer = setTimeout(() => {
      api.embedFrameCheck(accountId).then(
        (c) => live && setCheck(c),
        () => live && setCheck("unknown"),
      );
    }, silenceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, accountId, silent, silenceMs]);
  return check;
}
