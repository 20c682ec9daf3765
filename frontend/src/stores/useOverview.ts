import { useCallback, useEffect, useState } from "react";
import { useCompanionApi } from "../api/CompanionApiContext";
import { toAppError, type AppError, type Overview } from "../api/companionApi";

export type OverviewState =
  | { status: "loading" }
  | { status: "ready"; overview: Overview }
  | { status: "error"; error: AppError };

/** Loads the overview once, and again on reload(). */
export function useOverview(): OverviewState & { reload: () => void } {
  const api = useCompanionApi();
  const [state, setState] = useState<OverviewState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    // A reload keeps what is on screen until the new overview arrives, so
    // the sidebar does not flash empty after every rename.
    setState((prev) => (prev.status === "ready" ? prev : { status: "loading" }));
    api.overview().then(
      (overview) => live && setState({ status: "ready", overview }),
      (err: unknown) => live && setState({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
