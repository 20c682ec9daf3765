import { useCallback, useEffect, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type OpenChoice, type OpenMode } from "../../api/companionApi";

/**
 * Where the account's Fullscript screens open (this window or the
 * browser), as the Go side decides it for this window. Until it is known,
 * null; a failed check opens in the browser, which works everywhere. It
 * asks again each time the workspace is shown (`active`): Settings, or
 * another account's "Always", may have changed it meanwhile.
 */
export function useOpenChoice(accountId: string, environment: string, online: boolean, active = true) {
  const api = useCompanionApi();
  const [choice, setChoice] = useState<OpenChoice | null>(null);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    if (!online || !active) return;
    let live = true;
    api.howFullscriptOpens(accountId).then(
      (c) => live && setChoice(c),
      (err: unknown) =>
        live &&
        setChoice({
          setting: "automatic",
          opens: "browser",
          reason: `The app could not check where Fullscript opens (${toAppError(err).message}), so it opens in your browser.`,
        }),
    );
    return () => {
      live = false;
    };
  }, [api, accountId, online, asked, active]);

  /** Saves how this environment's screens open, then asks again. */
  const remember = useCallback(
    async (mode: OpenMode) => {
      await api.setOpenMode(environment, mode);
      setAsked((n) => n + 1);
    },
    [api, environment],
  );

  return { choice, remember };
}
