import { useCallback, useRef, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type BrowserOpened, type BrowserRequest } from "../../api/companionApi";

export type BrowserOpening =
  | { status: "opening"; request: BrowserRequest }
  | { status: "opened"; request: BrowserRequest; opened: BrowserOpened }
  | { status: "copied"; request: BrowserRequest; opened: BrowserOpened }
  | { status: "failed"; request: BrowserRequest; error: AppError };

/**
 * Opens Fullscript screens in the system browser. Each call asks the Go
 * side for a fresh Redirect link (links are never kept) from a click, not
 * an effect: an effect would run twice in React's development mode, and
 * opening a browser tab cannot be undone. Only the newest call's answer shows.
 */
export function useBrowserOpening() {
  const api = useCompanionApi();
  const [state, setState] = useState<BrowserOpening | null>(null);
  const seq = useRef(0);

  const run = useCallback(
    (request: BrowserRequest, how: "open" | "copy") => {
      const mine = ++seq.current;
      setState({ status: "opening", request });
      const call = how === "open" ? api.openInBrowser(request) : api.copyBrowserLink(request);
      call.then(
        (opened) => mine === seq.current && setState({ status: how === "open" ? "opened" : "copied", request, opened }),
        (err: unknown) => mine === seq.current && setState({ status: "failed", request, error: toAppError(err) }),
      );
    },
    [api],
  );

  const open = useCallback((request: BrowserRequest) => run(request, "open"), [run]);
  const copy = useCallback((request: BrowserRequest) => run(request, "copy"), [run]);
  const clear = useCallback(() => {
    seq.current++;
    setState(null);
  }, []);

  return { state, open, copy, clear };
}
