import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { StrictMode } from "react";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, Feature, HistoryEntry, Patient, SessionGrant } from "../../api/companionApi";
import { account, fakeApi, overviewWith } from "../../test/fakeApi";
import { fakeFullscript, type FakeFeature } from "../../test/fakeFullscript";
import { FullscriptPanel } from "./FullscriptPanel";

const DOMAIN = "https://embed.test";

/** newSessionGrant answering secret-1, secret-2, … : a new grant every call. */
function grants(overrides: Partial<SessionGrant> = {}) {
  let n = 0;
  return vi.fn(() => {
    n += 1;
    return Promise.resolve<SessionGrant>({
      secretToken: `secret-${n}`,
      expiresAt: "2030-01-01T00:00:00Z",
      env: "us-snd",
      domain: DOMAIN,
      publicKey: "pk-1",
      ...overrides,
    });
  });
}

function patient(overrides: Partial<Patient> = {}): Patient {
  return { id: "", firstName: "", lastName: "", email: "", dateOfBirth: "", sex: "", mobileNumber: "", ...overrides };
}

interface PanelSetup {
  api: CompanionApi;
  lib: ReturnType<typeof fakeFullscript>;
  feature?: Feature;
  chosen?: Patient | null;
  onClose?: () => void;
  onOpenDiagnostics?: () => void;
  onOpenInBrowser?: (remember: boolean) => void;
  silenceMs?: number;
}

/** The panel for account acc-1, as the workspace renders it. */
function panel({ api, lib, feature = "catalog", chosen = null, onClose = () => undefined, onOpenDiagnostics = () => undefined, ...rest }: PanelSetup) {
  return (
    <CompanionApiProvider api={api}>
      <FullscriptPanel
        account={account({ id: "acc-1", environment: "us" })}
        feature={feature}
        patient={chosen}
        onClose={onClose}
        onOpenDiagnostics={onOpenDiagnostics}
        loadFullscript={lib.load}
        {...rest}
      />
    </CompanionApiProvider>
  );
}

function setup({
  feature = "catalog" as Feature,
  chosen = null as Patient | null,
  api = fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() }),
  lib = fakeFullscript(),
} = {}) {
  const onClose = vi.fn();
  const onOpenDiagnostics = vi.fn();
  const ui = panel({ api, lib, feature, chosen, onClose, onOpenDiagnostics });
  const view = render(ui);
  return { api, lib, onClose, onOpenDiagnostics, ui, ...view };
}

/** Waits until the n-th feature (1-based) has been mounted. */
async function mounted(features: FakeFeature[], n = 1): Promise<FakeFeature> {
  await waitFor(() => expect(features[n - 1]?.frame()).not.toBeNull());
  return features[n - 1]!;
}

function postFromEmbed(data: unknown, origin = DOMAIN) {
  act(() => {
    window.dispatchEvent(new MessageEvent("message", { origin, data }));
  });
}

const opening = () => screen.queryByText("Opening Fullscript…");

describe("FullscriptPanel", () => {
  it("gets a fresh grant for every mount and reuses one client per environment and domain", async () => {
    const lib = fakeFullscript();
    const api = fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() });
    const first = setup({ api, lib });
    await mounted(lib.features, 1);
    first.unmount();
    setup({ api, lib });
    await mounted(lib.features, 2);

    expect(api.newSessionGrant).toHaveBeenCalledTimes(2);
    expect(api.newSessionGrant).toHaveBeenCalledWith("acc-1");
    expect(lib.features.map((f) => f.options.secretToken)).toEqual(["secret-1", "secret-2"]);
    // Each Fullscript() adds a window listener for good: only one for both mounts.
    expect(lib.Fullscript).toHaveBeenCalledTimes(1);
    expect(lib.Fullscript).toHaveBeenCalledWith({ publicKey: "pk-1", env: "us-snd", domain: DOMAIN });
  });

  it("hides its own loading cover when its frame loads, though another panel's cover comes first in the page", async () => {
    // Another account's panel, kept hidden, with the library's cover (same fixed id).
    const other = document.createElement("div");
    other.id = "loaderContainer";
    document.body.prepend(other);
    try {
      const lib = fakeFullscript();
      const api = fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() });
      setup({ api, lib });
      await mounted(lib.features, 1);
      const frame = lib.features[0]?.frame();
      const own = frame?.parentElement?.querySelector<HTMLElement>("#loaderContainer");
      expect(own).toBeTruthy();
      act(() => {
        frame?.dispatchEvent(new Event("load"));
      });
      expect(own?.style.display).toBe("none");
    } finally {
      other.remove();
    }
  });

  it("offers the connection check while the screen is silent, and not once Fullscript has spoken", async () => {
    const lib = fakeFullscript();
    setup({ api: fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() }), lib });
    await mounted(lib.features, 1);
    expect(screen.getByRole("button", { name: "Screen stays blank? Check the connection" })).toBeTruthy();
    postFromEmbed({ type: "embed.ready", payload: {} });
    expect(screen.queryByRole("button", { name: "Screen stays blank? Check the connection" })).toBeNull();
  });

  it("drops the connection hint when the frame check finds Fullscript frames this window, though the screen stays quiet", async () => {
    const lib = fakeFullscript();
    const embedFrameCheck = vi.fn<CompanionApi["embedFrameCheck"]>(() => Promise.resolve("allowed"));
    render(panel({ api: fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants(), embedFrameCheck }), lib, silenceMs: 20 }));
    await mounted(lib.features, 1);
    await waitFor(() => expect(embedFrameCheck).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByRole("button", { name: "Screen stays blank? Check the connection" })).toBeNull());
  });

  it("hands the library a bare origin, and makes a new client when the public key changes", async () => {
    const lib = fakeFullscript();
    const first = setup({
      lib,
      api: fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants({ domain: "http://127.0.0.1:8787/" }) }),
    });
    await mounted(lib.features, 1);
    expect(lib.Fullscript).toHaveBeenLastCalledWith({ publicKey: "pk-1", env: "us-snd", domain: "http://127.0.0.1:8787" });
    first.unmount();

    setup({
      lib,
      api: fakeApi(() => Promise.resolve(overviewWith()), {
        newSessionGrant: grants({ domain: "http://127.0.0.1:8787", publicKey: "pk-2" }),
      }),
    });
    await mounted(lib.features, 2);
    expect(lib.Fullscript).toHaveBeenCalledTimes(2);
    expect(lib.Fullscript).toHaveBeenLastCalledWith({ publicKey: "pk-2", env: "us-snd", domain: "http://127.0.0.1:8787" });
  });

  it("opens the treatment plan with a known patient's id only", async () => {
    const { lib, container } = setup({
      feature: "treatment-plan",
      chosen: patient({ id: "pat-7", firstName: "Jane", lastName: "Doe", email: "jane@example.com" }),
    });
    const f = await mounted(lib.features);
    expect(f.type).toBe("treatmentPlan");
    expect(f.options).toEqual({ secretToken: "secret-1", patient: { id: "pat-7" } });
    // mount() got the id of an element that is in the panel.
    const id = f.mount.mock.calls[0]![0];
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(container.querySelector(`#${id}`)).not.toBeNull();
  });

  it("opens labs on the platform feature, without a patient", async () => {
    const { lib } = setup({ feature: "labs" });
    const f = await mounted(lib.features);
    expect(f.type).toBe("platform");
    expect(f.options).toEqual({ secretToken: "secret-1", entrypoint: "labs" });
  });

  it("hands a patient typed by hand over field by field, as biologicalSex, without empty values", async () => {
    const { lib, api } = setup({
      feature: "treatment-plan",
      chosen: patient({ firstName: " Amos ", lastName: "Hart", email: "amos@example.com", dateOfBirth: "1990-01-02", sex: "male" }),
    });
    const f = await mounted(lib.features);
    expect(f.options).toEqual({
      secretToken: "secret-1",
      patient: { firstName: "Amos", lastName: "Hart", email: "amos@example.com", dateOfBirth: "1990-01-02", biologicalSex: "male" },
    });
    // The treatment plan opened for them: kept among the recent patients.
    await waitFor(() => expect(api.rememberPatient).toHaveBeenCalledWith("acc-1", expect.objectContaining({ email: "amos@example.com" })));
  });

  it("shows Opening Fullscript… until the frame has loaded", async () => {
    const { lib } = setup();
    expect(screen.getByRole("status").textContent).toContain("Opening Fullscript…");
    const f = await mounted(lib.features);
    // mount() resolved, but the frame is still loading.
    expect(opening()).not.toBeNull();
    fireEvent.load(f.frame()!);
    expect(opening()).toBeNull();
  });

  it("forwards Fullscript's events to the history with the account id, and says where an activated plan went", async () => {
    const entry: HistoryEntry = {
      id: "h-1",
      accountId: "acc-1",
      kind: "treatmentPlan.activated",
      at: "2030-01-01T00:00:00Z",
      patientId: "pat-7",
      patientName: "Jane Doe",
      planId: "plan-1",
      summary: "Treatment plan activated: 2 products",
    };
    const api = fakeApi(() => Promise.resolve(overviewWith()), {
      newSessionGrant: grants(),
      recordEmbedEvent: vi.fn(() => Promise.resolve(entry)),
    });
    const { lib } = setup({ api, feature: "treatment-plan" });
    const f = await mounted(lib.features);

    const selected = { id: "ev-1", type: "patient.selected", data: { patient: { id: "pat-7" } } };
    act(() => f.emit("patient.selected", selected));
    expect(api.recordEmbedEvent).toHaveBeenLastCalledWith("acc-1", selected);

    const activated = { id: "ev-2", type: "treatmentPlan.activated", data: { treatmentPlan: { id: "plan-1" } } };
    act(() => f.emit("treatmentPlan.activated", activated));
    expect(api.recordEmbedEvent).toHaveBeenLastCalledWith("acc-1", activated);
    expect(await screen.findByText("Plan activated for Jane Doe; it is in History")).toBeTruthy();
  });

  it("retries INVALID_SECRET_TOKEN once with a new grant, then shows the error", async () => {
    const { lib, api } = setup();
    const first = await mounted(lib.features, 1);

    postFromEmbed({ type: "serverError", payload: ["INVALID_SECRET_TOKEN: expired"] });
    expect(first.unmount).toHaveBeenCalledTimes(1);
    const second = await mounted(lib.features, 2);
    expect(api.newSessionGrant).toHaveBeenCalledTimes(2);
    expect(second.options.secretToken).toBe("secret-2");
    expect(screen.queryByRole("alert")).toBeNull();

    postFromEmbed({ type: "serverError", payload: ["INVALID_SECRET_TOKEN: already used"] });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Fullscript could not open this screen: INVALID_SECRET_TOKEN: already used");
    expect(second.unmount).toHaveBeenCalledTimes(1);
    expect(api.newSessionGrant).toHaveBeenCalledTimes(2);
    expect(lib.features).toHaveLength(2);

    // Try again starts fresh: a third grant, a new mount.
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    const third = await mounted(lib.features, 3);
    expect(third.options.secretToken).toBe("secret-3");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("does not retry other server errors", async () => {
    const { lib, api } = setup();
    await mounted(lib.features);
    postFromEmbed({ type: "serverError", payload: ["INVALID_REQUEST: frame_id is missing"] });
    expect((await screen.findByRole("alert")).textContent).toContain("INVALID_REQUEST: frame_id is missing");
    expect(api.newSessionGrant).toHaveBeenCalledTimes(1);
  });

  it("ignores messages from any other origin, and ones that are not a serverError", async () => {
    const { lib, api } = setup();
    const f = await mounted(lib.features);
    postFromEmbed({ type: "serverError", payload: ["INVALID_SECRET_TOKEN: expired"] }, "https://evil.test");
    postFromEmbed({ type: "serverError", payload: ["INVALID_SECRET_TOKEN: expired"] }, `${DOMAIN}:8443`);
    postFromEmbed({ type: "serverError", payload: "INVALID_SECRET_TOKEN" });
    postFromEmbed("INVALID_SECRET_TOKEN");
    await new Promise((r) => setTimeout(r, 20));
    expect(f.unmount).not.toHaveBeenCalled();
    expect(api.newSessionGrant).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("unmounts the feature on Close and on Esc", async () => {
    const { lib, onClose } = setup();
    const f = await mounted(lib.features);
    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(f.unmount).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledTimes(1);

    const again = setup();
    const g = await mounted(again.lib.features);
    fireEvent.keyDown(screen.getAllByRole("button", { name: "Close" })[1]!, { key: "Escape" });
    expect(g.unmount).toHaveBeenCalledTimes(1);
    expect(again.onClose).toHaveBeenCalledTimes(1);
  });

  it("unmounts on component unmount", async () => {
    const { lib, unmount } = setup();
    const f = await mounted(lib.features);
    unmount();
    expect(f.unmount).toHaveBeenCalledTimes(1);
  });

  it("closed while mounting: the frame never starts, so its grant is not spent", async () => {
    const lib = fakeFullscript({ holdMount: true });
    const { container } = setup({ lib });
    await waitFor(() => expect(lib.features[0]?.mount).toHaveBeenCalled());
    const f = lib.features[0]!;
    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    // Calling it now would throw inside the library.
    expect(f.unmount).not.toHaveBeenCalled();
    await act(async () => f.finishMount());
    // The mount's own element went with it: the library finds no mount point.
    await expect(f.mount.mock.results[0]!.value).rejects.toThrow("mount point");
    expect(lib.claimed).toEqual([]);
    expect(f.unmount).not.toHaveBeenCalled();
    expect(container.querySelector("iframe")).toBeNull();
  });

  it("mounting again while a mount is in flight spends one grant and keeps the newer frame", async () => {
    // The effect runs again on the same panel (here: a new patient object)
    // while the first mount still awaits the library. Before each mount had
    // an element of its own, the first one went on to start its frame (a
    // grant spent on a screen nobody sees) and its late unmount() emptied
    // the element, taking the newer frame with it.
    const lib = fakeFullscript({ holdMount: true });
    const api = fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() });
    const forPatient = () => panel({ api, lib, feature: "treatment-plan", chosen: patient({ id: "pat-7" }) });
    const { rerender, container } = render(forPatient());
    await waitFor(() => expect(lib.features[0]?.mount).toHaveBeenCalled());
    rerender(forPatient());
    await waitFor(() => expect(lib.features[1]?.mount).toHaveBeenCalled());
    const [first, second] = [lib.features[0]!, lib.features[1]!];

    await act(async () => second.finishMount());
    await act(async () => first.finishMount());

    expect(lib.claimed).toEqual(["secret-2"]);
    await expect(first.mount.mock.results[0]!.value).rejects.toThrow("mount point");
    expect(first.unmount).not.toHaveBeenCalled();
    const frames = container.querySelectorAll("iframe");
    expect(frames).toHaveLength(1);
    expect(frames[0]).toBe(second.frame());
  });

  it("in React's development mode, which mounts every effect twice, still starts one frame", async () => {
    const lib = fakeFullscript();
    const api = fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant: grants() });
    const { container } = render(<StrictMode>{panel({ api, lib })}</StrictMode>);
    await waitFor(() => expect(container.querySelector("iframe")).not.toBeNull());
    await new Promise((r) => setTimeout(r, 20));
    // The first run's grant arrives after its cleanup and is never used.
    expect(api.newSessionGrant).toHaveBeenCalledTimes(2);
    expect(lib.claimed).toEqual(["secret-2"]);
    expect(container.querySelectorAll("iframe")).toHaveLength(1);
  });

  it("gone while mounting: nothing to unmount and no error", async () => {
    const lib = fakeFullscript({ holdMount: true });
    const { unmount } = setup({ lib });
    await waitFor(() => expect(lib.features[0]?.mount).toHaveBeenCalled());
    const f = lib.features[0]!;
    unmount();
    await act(async () => f.finishMount());
    // The library finds no mount point and appends nothing; unmount() would throw.
    await expect(f.mount.mock.results[0]!.value).rejects.toThrow("mount point");
    expect(f.unmount).not.toHaveBeenCalled();
  });

  it("shows a grant error with its fix and details, and Try again asks for a new grant", async () => {
    const fresh = grants();
    const newSessionGrant = vi
      .fn<() => Promise<SessionGrant>>()
      .mockRejectedValueOnce({
        message: "Fullscript did not answer.",
        fix: "Check the internet connection, then try again.",
        detail: "POST /session_grants: 503",
      })
      .mockImplementation(fresh);
    const { lib, api } = setup({ api: fakeApi(() => Promise.resolve(overviewWith()), { newSessionGrant }) });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Fullscript did not answer.");
    expect(alert.textContent).toContain("Check the internet connection, then try again.");
    expect(alert.querySelector("details")?.textContent).toContain("POST /session_grants: 503");
    expect(lib.features).toHaveLength(0);
    expect(opening()).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    const f = await mounted(lib.features);
    expect(api.newSessionGrant).toHaveBeenCalledTimes(2);
    expect(f.options.secretToken).toBe("secret-1");
  });

  it("offers the connection check for a screen that stays blank", async () => {
    const { onOpenDiagnostics } = setup();
    await userEvent.click(screen.getByRole("button", { name: "Screen stays blank? Check the connection" }));
    expect(onOpenDiagnostics).toHaveBeenCalledTimes(1);
  });

  describe("a screen that stays silent", () => {
    function silent(check: "refused" | "allowed" | "unknown") {
      const lib = fakeFullscript();
      const onOpenInBrowser = vi.fn();
      const api = fakeApi(() => Promise.resolve(overviewWith()), {
        newSessionGrant: grants(),
        embedFrameCheck: vi.fn(() => Promise.resolve(check)),
      });
      render(panel({ api, lib, onOpenInBrowser, silenceMs: 30 }));
      return { api, lib, onOpenInBrowser };
    }

    it("Fullscript refused the frame: it offers the browser, this once", async () => {
      const { api, lib, onOpenInBrowser } = silent("refused");
      const f = await mounted(lib.features);
      fireEvent.load(f.frame()!);
      const alert = await screen.findByRole("alert");
      expect(alert.textContent).toContain("Fullscript does not show its screens inside this app (US)");
      expect(api.embedFrameCheck).toHaveBeenCalledWith("acc-1");
      // Not ticked: one click must not undo an explicit "In this window".
      const always = within(alert).getByRole("checkbox", { name: /Always open Fullscript in the browser for this environment \(US\)/ }) as HTMLInputElement;
      expect(always.checked).toBe(false);
      await userEvent.click(within(alert).getByRole("button", { name: "Open in the browser instead" }));
      expect(onOpenInBrowser).toHaveBeenCalledWith(false);
      expect(f.unmount).toHaveBeenCalledTimes(1);
    });

    it("ticked, it remembers the browser for the environment", async () => {
      const { lib, onOpenInBrowser } = silent("refused");
      fireEvent.load((await mounted(lib.features)).frame()!);
      const alert = await screen.findByRole("alert");
      await userEvent.click(within(alert).getByRole("checkbox"));
      await userEvent.click(within(alert).getByRole("button", { name: "Open in the browser instead" }));
      expect(onOpenInBrowser).toHaveBeenCalledWith(true);
    });

    it("not known: a quiet offer of the browser, no alarm", async () => {
      const { lib, onOpenInBrowser } = silent("unknown");
      fireEvent.load((await mounted(lib.features)).frame()!);
      const note = await screen.findByText(/Screen blank\? The app could not check/);
      expect(screen.queryByRole("alert")).toBeNull();
      await userEvent.click(screen.getByRole("button", { name: "Open in the browser instead" }));
      expect(onOpenInBrowser).toHaveBeenCalledWith(false);
      expect(note).toBeTruthy();
    });

    it("Fullscript allows the frame: nothing to say", async () => {
      const { api, lib } = silent("allowed");
      fireEvent.load((await mounted(lib.features)).frame()!);
      await waitFor(() => expect(api.embedFrameCheck).toHaveBeenCalledTimes(1));
      await new Promise((r) => setTimeout(r, 20));
      expect(screen.queryByRole("alert")).toBeNull();
    });

    it("a screen that spoke is never checked", async () => {
      const { api, lib } = silent("refused");
      const f = await mounted(lib.features);
      fireEvent.load(f.frame()!);
      postFromEmbed({ type: "frame-1.patient.selected", payload: {} });
      await new Promise((r) => setTimeout(r, 80));
      expect(api.embedFrameCheck).not.toHaveBeenCalled();
      expect(screen.queryByRole("alert")).toBeNull();
    });
  });
});
