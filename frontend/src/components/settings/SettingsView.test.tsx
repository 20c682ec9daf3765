import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type {
  CompanionApi,
  EnvironmentSettings,
  SettingsInput,
  SettingsView as SettingsData,
} from "../../api/companionApi";
import { deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { SettingsView } from "./SettingsView";

function env(name: string, overrides: Partial<EnvironmentSettings> = {}): EnvironmentSettings {
  return { name, clientId: "", clientSecretSet: false, publicKey: "", redirectUri: "", managed: name === "local", openMode: "automatic", missing: [], ...overrides };
}

function settingsWith(environment: string, usSnd: Partial<EnvironmentSettings> = {}): SettingsData {
  return {
    environment,
    environments: [
      env("us"),
      env("ca"),
      env("us-snd", {
        clientId: "cid-123",
        clientSecretSet: true,
        publicKey: "pk-456",
        redirectUri: "http://127.0.0.1:8765/callback",
        ...usSnd,
      }),
      env("ca-snd"),
      env("local"),
      env("custom"),
    ],
  };
}

function setup(overrides: Partial<CompanionApi>, onSaved = vi.fn()) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), overrides);
  render(
    <CompanionApiProvider api={api}>
      <SettingsView onSaved={onSaved} />
    </CompanionApiProvider>,
  );
  return { api, onSaved, user: userEvent.setup() };
}

const field = (name: string) => screen.getByLabelText(name) as HTMLInputElement;

describe("SettingsView", () => {
  it("shows the stored settings but never the secret", async () => {
    setup({ settings: () => Promise.resolve(settingsWith("us-snd")) });

    const select = (await screen.findByLabelText("Environment for new sign-ins")) as HTMLSelectElement;
    expect(select.value).toBe("us-snd");
    expect([...select.options].map((o) => o.value)).toEqual(["local", "us-snd", "ca-snd", "us", "ca", "custom"]);
    expect(select.options[0]?.textContent).toBe("Built-in sandbox (local)");
    expect(field("Client id").value).toBe("cid-123");
    expect(field("Embed public key").value).toBe("pk-456");
    expect(field("Redirect URI").value).toBe("http://127.0.0.1:8765/callback");

    const secret = field("Client secret");
    expect(secret.type).toBe("password");
    expect(secret.value).toBe("");
    expect(secret.placeholder).toBe("•••• saved");
  });

  it("has no saved placeholder when no secret is stored", async () => {
    setup({ settings: () => Promise.resolve(settingsWith("us-snd", { clientSecretSet: false })) });
    expect((await screen.findByLabelText("Client secret")).getAttribute("placeholder")).toBe("");
  });

  it("saved with fields left empty, says what the environment still needs", async () => {
    const empty = { clientId: "", clientSecretSet: false, publicKey: "", redirectUri: "", missing: ["client id", "client secret", "redirect URI", "Embed public key"] };
    const saveSettings = vi.fn<CompanionApi["saveSettings"]>(() => Promise.resolve(settingsWith("us-snd", empty)));
    const { user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd", empty)), saveSettings });
    await screen.findByLabelText("Client id");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(
      (await screen.findByText("Saved. Still needed for US sandbox: client id, client secret, redirect URI and Embed public key.")).getAttribute("role"),
    ).toBe("status");
  });

  it("sends an empty secret (keep the stored one) unless one is typed, and says Saved", async () => {
    const saveSettings = vi.fn<CompanionApi["saveSettings"]>(() => Promise.resolve(settingsWith("us-snd")));
    const { user, onSaved } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")), saveSettings });
    await screen.findByLabelText("Client id");

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalledTimes(1));
    expect(saveSettings).toHaveBeenLastCalledWith({
      environment: "us-snd",
      name: "us-snd",
      clientId: "cid-123",
      clientSecret: "",
      publicKey: "pk-456",
      redirectUri: "http://127.0.0.1:8765/callback",
      openMode: "automatic",
    } satisfies SettingsInput);
    expect((await screen.findByText("Saved")).getAttribute("role")).toBe("status");
    expect(onSaved).toHaveBeenCalledTimes(1);

    await user.type(field("Client secret"), "s3cret");
    expect(screen.queryByText("Saved")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalledTimes(2));
    expect(saveSettings.mock.lastCall?.[0].clientSecret).toBe("s3cret");
    // Once saved, the secret leaves the form again.
    await screen.findByText("Saved");
    expect(field("Client secret").value).toBe("");
  });

  it("checks as you type, after a pause, and shows each message at its field", async () => {
    const validateSettings = vi.fn<CompanionApi["validateSettings"]>((input) =>
      Promise.resolve(
        input.redirectUri.startsWith("https:")
          ? [{ field: "redirectUri", message: "Use http: the app receives the sign-in on this computer." }]
          : [],
      ),
    );
    const { user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")), validateSettings });
    const redirect = (await screen.findByLabelText("Redirect URI")) as HTMLInputElement;
    expect(validateSettings).not.toHaveBeenCalled();

    await user.clear(redirect);
    await user.type(redirect, "https://x/cb");
    await waitFor(() => expect(redirect.getAttribute("aria-invalid")).toBe("true"));
    const note = document.getElementById(redirect.getAttribute("aria-describedby") ?? "");
    expect(note?.textContent).toBe("Use http: the app receives the sign-in on this computer.");
    // Debounced: one check for the pause, not one per key.
    expect(validateSettings.mock.calls.length).toBeLessThan(4);
    expect(validateSettings).toHaveBeenLastCalledWith(expect.objectContaining({ redirectUri: "https://x/cb", name: "us-snd" }));
    expect(field("Client id").getAttribute("aria-invalid")).toBeNull();

    await user.clear(redirect);
    await user.type(redirect, "http://127.0.0.1:9000/cb");
    await waitFor(() => expect(redirect.getAttribute("aria-invalid")).toBeNull());
  });

  it("does not save a form the check rejects, and points at the field", async () => {
    const validateSettings = vi.fn<CompanionApi["validateSettings"]>(() =>
      Promise.resolve([{ field: "clientId", message: "The client id has spaces in it." }]),
    );
    const { api, user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")), validateSettings });
    await screen.findByLabelText("Client id");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(field("Client id").getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText("The client id has spaces in it.")).toBeTruthy();
    expect(document.activeElement).toBe(field("Client id"));
    expect(api.saveSettings).not.toHaveBeenCalled();
  });

  it("says the built-in sandbox needs nothing, and saves just the choice", async () => {
    const saveSettings = vi.fn<CompanionApi["saveSettings"]>(() => Promise.resolve(settingsWith("local")));
    const { user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")), saveSettings });
    await user.selectOptions(await screen.findByLabelText("Environment for new sign-ins"), "local");

    expect(screen.getByText("The built-in sandbox needs no other settings.")).toBeTruthy();
    expect(screen.queryByLabelText("Client id")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(saveSettings).toHaveBeenCalledWith(expect.objectContaining({ environment: "local", clientSecret: "" })),
    );
  });

  it("saves how Fullscript opens, per environment, and says what each choice does", async () => {
    const saveSettings = vi.fn<CompanionApi["saveSettings"]>(() => Promise.resolve(settingsWith("local")));
    const { user } = setup({
      settings: () => Promise.resolve({ ...settingsWith("local"), environments: [env("local", { openMode: "window" }), env("us")] }),
      saveSettings,
    });
    const mode = (await screen.findByLabelText(/How Fullscript opens \(Built-in sandbox\)/)) as HTMLSelectElement;
    expect(mode.value).toBe("window");
    await user.selectOptions(mode, "browser");
    expect(screen.getByText(/Always in your web browser; Fullscript asks you to sign in there/)).toBeTruthy();
    // Another environment has its own.
    await user.selectOptions(screen.getByLabelText("Environment for new sign-ins"), "us");
    expect((screen.getByLabelText(/How Fullscript opens/) as HTMLSelectElement).value).toBe("automatic");
    expect(screen.getByText(/In this window where Fullscript allows it/)).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Environment for new sign-ins"), "local");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalledWith(expect.objectContaining({ name: "local", openMode: "browser" })));
  });

  it("keeps what was typed for one environment while looking at another", async () => {
    const { user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")) });
    await user.type(await screen.findByLabelText("Client id"), "-x");
    await user.selectOptions(screen.getByLabelText("Environment for new sign-ins"), "us");
    expect(field("Client id").value).toBe("");
    await user.selectOptions(screen.getByLabelText("Environment for new sign-ins"), "us-snd");
    expect(field("Client id").value).toBe("cid-123-x");
  });

  it("explains a failed save", async () => {
    const saveSettings = vi.fn<CompanionApi["saveSettings"]>(() =>
      Promise.reject({ message: "Some settings need a fix.", fix: "Use 127.0.0.1.", detail: "invalid settings" }),
    );
    const { user } = setup({ settings: () => Promise.resolve(settingsWith("us-snd")), saveSettings });
    await screen.findByLabelText("Client id");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Some settings need a fix.");
    expect(alert.textContent).toContain("Use 127.0.0.1.");
    expect(screen.queryByText("Saved")).toBeNull();
  });

  it("shows progress while loading, and a retry when loading fails", async () => {
    const first = deferred<SettingsData>();
    let calls = 0;
    const { user } = setup({
      settings: () => (++calls === 1 ? first.promise : Promise.resolve(settingsWith("us-snd"))),
    });
    expect(screen.getByRole("status").textContent).toContain("Opening settings");

    await act(async () => first.reject({ message: "The app cannot read its settings.", fix: "Try again.", detail: "" }));
    const alert = screen.getByRole("alert");
    expect(within(alert).getByRole("heading").textContent).toBe("The app cannot read its settings.");
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByLabelText("Client id")).toBeTruthy();
  });
});
