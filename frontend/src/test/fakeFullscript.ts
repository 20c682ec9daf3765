import { vi } from "vitest";
import type {
  EmbedClientOptions,
  EmbedEventName,
  EmbedFeature,
  EmbedFeatureOptions,
  EmbedFeatureType,
  FullscriptFactory,
} from "../components/workspace/fullscriptEmbed";
import { deferred } from "./fakeApi";

export interface FakeFeature extends EmbedFeature {
  type: EmbedFeatureType;
  options: EmbedFeatureOptions;
  client: EmbedClientOptions;
  mount: ReturnType<typeof vi.fn<(elementId: string) => Promise<void>>>;
  unmount: ReturnType<typeof vi.fn<() => void>>;
  /** Plays Fullscript calling this feature's `on` callbacks. */
  emit(event: EmbedEventName, payload: unknown): void;
  /** The iframe mount() put in place, once it has. */
  frame(): HTMLIFrameElement | null;
  /** Lets a held mount() finish (see fakeFullscript's holdMount). */
  finishMount(): void;
}

/**
 * A stand-in for fullscript-js (jsdom cannot run its iframe): Fullscript()
 * → create() → on()/mount()/unmount(), recorded. mount() appends a real
 * <iframe> (with a src, so jsdom fires no `load` of its own: the test does)
 * and, like the library, unmount() before mount() has resolved throws.
 *
 * `claimed` lists the secret token of every frame that went into the page:
 * in a browser that frame's request reaches Fullscript, which spends the
 * grant, whatever the app does with the frame afterwards.
 */
export function fakeFullscript({ holdMount = false }: { holdMount?: boolean } = {}) {
  const features: FakeFeature[] = [];
  const claimed: string[] = [];
  const Fullscript = vi.fn<FullscriptFactory>((client) => ({
    create: (type, options) => {
      const listeners = new Map<EmbedEventName, ((payload: unknown) => void)[]>();
      const gate = deferred<void>();
      if (!holdMount) gate.resolve();
      let mountPoint: HTMLElement | null = null;
      let frame: HTMLIFrameElement | null = null;
      const feature: FakeFeature = {
        type,
        options,
        client,
        on: vi.fn((event: EmbedEventName, callback: (payload: unknown) => void) => {
          listeners.set(event, [...(listeners.get(event) ?? []), callback]);
        }),
        mount: vi.fn(async (elementId: string) => {
          await gate.promise;
          const el = document.getElementById(elementId);
          if (!el) throw new Error("Could not find the mount point for the iframe.");
          frame = document.createElement("iframe");
          frame.src = `${client.domain}/api/embeddable/session/embed/entry`;
          // Like the library: a loading cover with a fixed id, which the
          // frame's onload hides by looking the id up in the whole page.
          const cover = document.createElement("div");
          cover.id = "loaderContainer";
          frame.onload = () => {
            const first = document.getElementById("loaderContainer");
            if (first) first.style.display = "none";
          };
          el.append(cover, frame);
          if (frame.isConnected) claimed.push(options.secretToken);
          mountPoint = el;
        }),
        unmount: vi.fn(() => {
          if (!mountPoint) throw new TypeError("Cannot read properties of undefined (reading 'firstChild')");
          mountPoint.replaceChildren();
          listeners.clear();
        }),
        emit: (event, payload) => listeners.get(event)?.forEach((cb) => cb(payload)),
        frame: () => frame,
        finishMount: () => gate.resolve(),
      };
      features.push(feature);
      return feature;
    },
  }));
  return { Fullscript, features, claimed, load: () => Promise.resolve<FullscriptFactory>(Fullscript) };
}
