import { useCallback, useEffect, useRef, useState } from "react";
import { useCompanionApi } from "../api/CompanionApiContext";
import { toAppError, type Account, type AppError } from "../api/companionApi";

export type SignInPhase = "idle" | "waiting" | "error" | "done";

export type SignInState =
  | { phase: "idle" }
  | { phase: "waiting"; environment: string }
  | { phase: "error"; environment: string; error: AppError }
  | { phase: "done"; environment: string; account: Account };

export interface UseSignIn {
  phase: SignInPhase;
  /** The environment being (or last) signed in to; "" when idle. */
  environment: string;
  /** Set in phase "error". */
  error: AppError | null;
  /** The new (or signed-in-again) account, set in phase "done". */
  account: Account | null;
  /** Starts the browser sign-in; a sign-in already waiting is replaced (the Go side keeps one at a time). */
  start: (environment: string) => void;
  /** Stops a waiting sign-in and goes back to idle; its rejection is not an error. */
  cancel: () => void;
  /** Starts again in the same environment (after an error). */
  retry: () => void;
  /** Back to idle after "done" or "error", once the caller has used the result. */
  reset: () => void;
}

export interface UseSignInOptions {
  /** Called once per successful sign-in, e.g. to reload the overview and select the account. */
  onSignedIn?: ((account: Account) => void) | undefined;
}

/**
 * The browser sign-in as a small state machine: idle -> waiting -> done or
 * error; cancel() from waiting (or error) back to idle. Only the newest
 * attempt may change the state, so a cancelled or replaced sign-in that
 * rejects later never shows as an error.
 */
export function useSignIn(options: UseSignInOptions = {}): UseSignIn {
  const api = useCompanionApi();
  const [state, setState] = useState<SignInState>({ phase: "idle" });
  const attempt = useRef(0);
  const waiting = useRef(false);
  const onSignedIn = useRef(options.onSignedIn);
  useEffect(() => {
    onSignedIn.current = options.onSignedIn;
  });

  const start = useCallback(
    (environment: string) => {
      const mine = ++attempt.current;
      waiting.current = true;
      setState({ phase: "waiting", environment });
      api.signIn(environment).then(
        (account) => {
          if (mine !== attempt.current) return;
          waiting.current = false;
          setState({ phase: "done", environment, account });
          onSignedIn.current?.(account);
        },
        (err: unknown) => {
          if (mine !== attempt.current) return;
          waiting.current = false;
          setState({ phase: "error", environment, error: toAppError(err) });
        },
      );
    },
    [api],
  );

  const cancel = useCallback(() => {
    attempt.current++;
    const wasWaiting = waiting.current;
    waiting.current = false;
    setState({ phase: "idle" });
    if (wasWaiting) api.cancelSignIn().catch((err: unknown) => console.error("cancel sign-in:", err));
  }, [api]);

  const reset = useCallback(() => {
    if (waiting.current) return;
    setState({ phase: "idle" });
  }, []);

  const environment = state.phase === "idle" ? "" : state.environment;
  const retry = useCallback(() => {
    if (environment !== "") start(environment);
  }, [environment, start]);

  // Nobody is left to show the wait: stop the browser sign-in with the component.
  useEffect(
    () => () => {
      if (!waiting.current) return;
      attempt.current++;
      waiting.current = false;
      api.cancelSignIn().catch(() => {});
    },
    [api],
  );

  return {
    phase: state.phase,
    environment,
    error: state.phase === "error" ? state.error : null,
    account: state.phase === "done" ? state.account : null,
    start,
    cancel,
    retry,
    reset,
  };
}
