import { useCallback, useEffect, useRef, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type Account, type AppError, type Feature, type Patient } from "../../api/companionApi";
import { clientFor, clientOptions, featureRequest, type EmbedFeature, type FullscriptFactory } from "./fullscriptEmbed";
import { patientLabel } from "./patientText";

export type SessionState = { status: "opening" } | { status: "open" } | { status: "failed"; error: AppError };

export interface SessionNotice {
  tone: "success" | "warning";
  text: string;
}

interface SessionParams {
  account: Account;
  feature: Feature;
  patient: Patient | null;
  /**
   * The id of the element that holds Fullscript's frame; it must be in the
   * DOM. Each mount gets a child element of its own inside it.
   */
  mountId: string;
  loadFullscript: () => Promise<FullscriptFactory>;
}

/** One mounted (or mounting) feature and what to undo when it goes. */
interface Mount {
  /** This mount's own element, inside the panel's: the library mounts into it by id. */
  element: HTMLElement;
  feature: EmbedFeature | null;
  /** mount() has resolved: only then may unmount() be called (the library throws before). */
  resolved: boolean;
  closed: boolean;
  cleanups: (() => void)[];
}

let mounts = 0;

/**
 * A new element for one mount, in the panel's element. A mount that is torn
 * down takes its element with it, so a library call still in flight (it
 * awaits the patient's tokenisation before it looks the element up) finds
 * nothing and never starts a frame: no grant is spent on a screen nobody
 * sees, and no late unmount() can empty the element a newer mount uses.
 */
function newMount(containerId: string): Mount | null {
  const container = document.getElementById(containerId);
  if (!container) return null;
  mounts += 1;
  const element = document.createElement("div");
  element.id = `${containerId}-${mounts}`;
  element.className = "fullscript-panel__frame";
  container.append(element);
  return { element, feature: null, resolved: false, closed: false, cleanups: [] };
}

/**
 * The library's loading cover has a fixed id and its frame's onload hides the
 * first element with that id in the page. Another account's panel, kept
 * hidden, may hold that one: so each mount hides its own cover when its frame
 * has loaded.
 */
function hideOwnLoader(m: Mount): void {
  const frame = m.element.querySelector("iframe");
  const cover = m.element.querySelector<HTMLElement>("#loaderContainer");
  if (!frame || !cover) return;
  const hide = () => {
    cover.style.display = "none";
  };
  frame.addEventListener("load", hide);
  m.cleanups.push(() => frame.removeEventListener("load", hide));
}

function close(m: Mount): void {
  if (m.closed) return;
  m.closed = true;
  m.cleanups.forEach((undo) => undo());
  if (m.feature && m.resolved) m.feature.unmount();
  m.element.remove();
}

/** The strings of a `serverError` message, or null for any other message. */
function serverErrorOf(data: unknown): string[] | null {
  if (typeof data !== "object" || data === null) return null;
  const { type, payload } = data as { type?: unknown; payload?: unknown };
  if (type !== "serverError" || !Array.isArray(payload)) return null;
  return payload.every((s): s is string => typeof s === "string") ? payload : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function serverProblem(messages: string[]): AppError {
  const grantRefused = messages.some((s) => s.includes("INVALID_SECRET_TOKEN"));
  return {
    message: `Fullscript could not open this screen: ${messages.join("; ") || "no reason given"}`,
    fix: grantRefused
      ? "Fullscript refused the app's one-time sign-in twice. Check that this computer's clock is right and that the account's environment matches the Embed settings, then try again."
      : "Try again. If it keeps happening, check the connection.",
    detail: messages.join("\n"),
  };
}

function mountProblem(err: unknown): AppError {
  return {
    message: "Fullscript could not open this screen.",
    fix: "Try again. If it keeps happening, check the connection; the details help support.",
    detail: toAppError(err).detail,
  };
}

/**
 * Opens a Fullscript feature in the element `mountId`: a fresh session grant
 * on every mount (grants are single use), one automatic retry when Fullscript
 * refuses the grant, and unmount when the panel goes.
 */
export function useFullscriptSession({ account, feature, patient, mountId, loadFullscript }: SessionParams) {
  const api = useCompanionApi();
  const accountId = account.id;
  const [state, setState] = useState<SessionState>({ status: "opening" });
  const [notice, setNotice] = useState<SessionNotice | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** Fullscript's screen has posted something: it is there, not a refused frame. */
  const [heard, setHeard] = useState(false);
  /** The library has put its frame in place (a refused frame may never fire `load`). */
  const [mounted, setMounted] = useState(false);
  const stopRef = useRef<() => void>(() => {});

  useEffect(() => {
    let stopped = false;
    let current: Mount | null = null;
    let retried = false;
    let remembered = false;
    setHeard(false);
    setMounted(false);

    const stop = () => {
      stopped = true;
      if (current) close(current);
    };
    stopRef.current = stop;

    const fail = (m: Mount | null, error: AppError) => {
      if (m) close(m);
      if (!stopped) setState({ status: "failed", error });
    };

    const record = (payload: unknown) =>
      isRecord(payload)
        ? api.recordEmbedEvent(accountId, payload)
        : Promise.reject(new Error("Fullscript sent an event that is not an object"));

    const historyWarning = (err: unknown) => {
      if (!stopped)
        setNotice({ tone: "warning", text: `Fullscript reported it, but the app could not add it to History: ${toAppError(err).message}` });
    };

    // Watches the mount element for the library's iframe, so its `load`
    // (which hides the progress indicator) cannot fire before we listen.
    const watchFrame = (m: Mount) => {
      const el = m.element;
      let frame: HTMLIFrameElement | null = null;
      const onLoad = () => {
        if (!m.closed && !stopped) setState({ status: "open" });
      };
      const look = () => {
        const found = el.querySelector("iframe");
        if (!found || found === frame) return;
        frame?.removeEventListener("load", onLoad);
        frame = found;
        frame.addEventListener("load", onLoad);
      };
      const observer = new MutationObserver(look);
      observer.observe(el, { childList: true, subtree: true });
      m.cleanups.push(() => {
        observer.disconnect();
        frame?.removeEventListener("load", onLoad);
      });
      return () => {
        look();
        return frame !== null;
      };
    };

    const open = async (): Promise<void> => {
      setState({ status: "opening" });
      let grant;
      try {
        grant = await api.newSessionGrant(accountId);
      } catch (err) {
        fail(null, toAppError(err));
        return;
      }
      if (stopped) return;

      const m = newMount(mountId);
      if (!m) {
        fail(null, mountProblem(new Error(`the panel's element #${mountId} is not in the page`)));
        return;
      }
      current = m;
      try {
        const options = clientOptions(grant);
        const factory = await loadFullscript();
        if (m.closed) return;
        const request = featureRequest(feature, grant.secretToken, patient);
        const f = clientFor(factory, options).create(request.type, request.options);
        m.feature = f;
        f.on("patient.selected", (p) => {
          record(p).catch(historyWarning);
        });
        f.on("treatmentPlan.activated", (p) => {
          record(p).then((entry) => {
            if (stopped) return;
            const name = entry.patientName || (patient ? patientLabel(patient) : "the patient");
            setNotice({ tone: "success", text: `Plan activated for ${name}; it is in History` });
          }, historyWarning);
        });

        // The library throws serverError inside its own listener, so no
        // callback of ours hears it: listen for it ourselves, from the
        // embed's origin only.
        const onMessage = (event: MessageEvent) => {
          if (event.origin !== options.domain || m.closed) return;
          if (!stopped) setHeard(true);
          const messages = serverErrorOf(event.data);
          if (!messages) return;
          if (!retried && messages.some((s) => s.includes("INVALID_SECRET_TOKEN"))) {
            // Usually a grant that expired while the patient was tokenised
            // or the frame loaded: once, silently, with a new grant.
            retried = true;
            close(m);
            void open();
            return;
          }
          fail(m, serverProblem(messages));
        };
        window.addEventListener("message", onMessage);
        m.cleanups.push(() => window.removeEventListener("message", onMessage));

        const frameSeen = watchFrame(m);
        await f.mount(m.element.id);
        m.resolved = true;
        if (m.closed) {
          // Closed while mounting, yet the library found the element: drop
          // its listeners now that it allows unmount().
          f.unmount();
          return;
        }
        hideOwnLoader(m);
        setMounted(true);
        if (!frameSeen()) setState({ status: "open" });
        if (!remembered && feature === "treatment-plan" && patient) {
          remembered = true;
          api.rememberPatient(accountId, patient).catch((err: unknown) => console.warn("remember patient:", err));
        }
      } catch (err) {
        if (!m.closed) fail(m, mountProblem(err));
      }
    };

    void open();
    return stop;
  }, [api, accountId, feature, patient, mountId, loadFullscript, attempt]);

  /** Starts again from a new grant, with the automatic retry available again. */
  const retry = useCallback(() => {
    setNotice(null);
    setAttempt((n) => n + 1);
  }, []);

  /** Unmounts the feature now (the panel is closing). */
  const stop = useCallback(() => stopRef.current(), []);

  return { state, notice, heard, mounted, retry, stop };
}
