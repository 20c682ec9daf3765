import { useEffect, useRef } from "react";
import { useCompanionApi } from "../api/CompanionApiContext";
import type { FrontendReport } from "../api/companionApi";

/**
 * Tells the Go side, once, that the first screen has rendered and what it
 * shows. The desktop smoke test waits for this instead of sleeping, and the
 * origin it reports is the one Fullscript's Embed allow-list must contain.
 */
export function useFrontendReady(view: FrontendReport["view"] | null): void {
  const api = useCompanionApi();
  const sent = useRef(false);
  useEffect(() => {
    if (view === null || sent.current) return;
    sent.current = true;
    api
      .frontendReady({ origin: window.location.origin, view, userAgent: navigator.userAgent })
      .catch((err: unknown) => console.error("report readiness:", err));
  }, [api, view]);
}
