import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, ConnectionReport, Diagnostics } from "../../api/companionApi";
import { deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { DiagnosticsView } from "./DiagnosticsView";

const diagnostics: Diagnostics = {
  environment: "us-snd",
  webviewOrigin: "wails://wails.localhost",
  redirectUri: "http://127.0.0.1:8765/callback",
  embedDomain: "https://us-snd.fullscript.io",
  sandboxUrl: "",
  missing: ["No Embed public key is set for us-snd."],
  keyStorage: "key-file",
  keyStorageNote: "The system keyring is turned off.",
  dataDir: "/home/ada/.config/fullscript-companion",
};

const report: ConnectionReport = {
  environment: "us-snd",
  checks: [
    { name: "Settings", status: "ok", message: "Client id, secret and redirect URI are set for us-snd.", fix: "" },
    {
      name: "Embed frame",
      status: "failed",
      message: "Fullscript refuses to show its screens in this window.",
      fix: "Add wails://wails.localhost to the app's Origin URIs (Fullscript Embed tab).",
    },
    { name: "Account access", status: "skipped", message: "Choose an account to check its access.", fix: "" },
  ],
};

function setClipboard(value: Pick<Clipboard, "writeText"> | undefined) {
  Object.defineProperty(navigator, "clipboard", { value, configurable: true });
}

function setup(overrides: Partial<CompanionApi>, accountId: string | null = "acc-1", clipboard?: Pick<Clipboard, "writeText">) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), { diagnostics: () => Promise.resolve(diagnostics), ...overrides });
  // user-event brings its own clipboard; the test's (or none) replaces it.
  const user = userEvent.setup();
  setClipboard(clipboard);
  render(
    <CompanionApiProvider api={api}>
      <DiagnosticsView accountId={accountId} />
    </CompanionApiProvider>,
  );
  return { api, user };
}

function definition(term: string): HTMLElement {
  const dt = screen.getByText(term, { selector: "dt" });
  return dt.nextElementSibling as HTMLElement;
}

describe("DiagnosticsView", () => {
  afterEach(() => {
    Reflect.deleteProperty(navigator, "clipboard");
  });

  it("shows what to register at Fullscript and what the app keeps where", async () => {
    setup({});
    await screen.findByRole("heading", { name: "Diagnostics" });
    expect(definition("Embed Origin URI").textContent).toContain("wails://wails.localhost");
    expect(definition("Redirect URI").textContent).toContain("http://127.0.0.1:8765/callback");
    expect(definition("Embed domain").textContent).toBe("https://us-snd.fullscript.io");
    expect(definition("Sign-ins kept in").textContent).toContain("A key file");
    expect(definition("Sign-ins kept in").textContent).toContain("The system keyring is turned off.");
    expect(definition("Data folder").textContent).toBe("/home/ada/.config/fullscript-companion");
    const missing = screen.getByRole("region", { name: "Missing settings" });
    expect(within(missing).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "No Embed public key is set for us-snd.",
    ]);
  });

  it("copies the origin where the clipboard is available", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    const { user } = setup({}, "acc-1", { writeText });

    await user.click(await screen.findByRole("button", { name: "Copy origin" }));
    expect(writeText).toHaveBeenCalledWith("wails://wails.localhost");
    expect(within(definition("Embed Origin URI")).getByText("Copied")).toBeTruthy();
  });

  it("offers no Copy button without a clipboard", async () => {
    setup({});
    await screen.findByRole("heading", { name: "Diagnostics" });
    expect(screen.queryByRole("button", { name: /^Copy/ })).toBeNull();
  });

  it("runs the check for the account and lists each result with its status in words", async () => {
    const pending = deferred<ConnectionReport>();
    const checkConnection = vi.fn<CompanionApi["checkConnection"]>(() => pending.promise);
    const { user } = setup({ checkConnection });

    await user.click(await screen.findByRole("button", { name: "Check connection" }));
    expect(checkConnection).toHaveBeenCalledWith("acc-1");
    expect(screen.getByText("Checking the connection…").closest("[role=status]")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Check connection" }) as HTMLButtonElement).disabled).toBe(true);

    await act(async () => pending.resolve(report));
    expect(screen.queryByText("Checking the connection…")).toBeNull();
    const list = screen.getByRole("list", { name: "Connection checks" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((li) => li.querySelector(".check__title")?.textContent)).toEqual([
      "Settings OK",
      "Embed frame Failed",
      "Account access Skipped",
    ]);
    expect(items[1]?.textContent).toContain("Fullscript refuses to show its screens in this window.");
    expect(items[1]?.textContent).toContain("Add wails://wails.localhost to the app's Origin URIs");
    expect(items.map((li) => li.querySelector(".check__icon")?.textContent)).toEqual(["✓", "✕", "–"]);
    expect(screen.getByText("1 of 3 checks failed for US sandbox.")).toBeTruthy();
  });

  it("checks the app's environment when no account is chosen", async () => {
    const checkConnection = vi.fn<CompanionApi["checkConnection"]>(() => Promise.resolve(report));
    const { user } = setup({ checkConnection }, null);
    await user.click(await screen.findByRole("button", { name: "Check connection" }));
    expect(checkConnection).toHaveBeenCalledWith("");
  });

  it("explains a check that could not run", async () => {
    const checkConnection = vi.fn<CompanionApi["checkConnection"]>(() =>
      Promise.reject({ message: "That account is not on this computer any more.", fix: "Refresh the list of accounts.", detail: "" }),
    );
    const { user } = setup({ checkConnection });
    await user.click(await screen.findByRole("button", { name: "Check connection" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("That account is not on this computer any more.");
    expect(alert.textContent).toContain("Refresh the list of accounts.");
    expect(screen.getByRole("button", { name: "Check again" })).toBeTruthy();
  });

  it("explains when diagnostics cannot be read", async () => {
    setup({ diagnostics: () => Promise.reject({ message: "The app cannot open its data folder.", fix: "Move the file.", detail: "" }) });
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading").textContent).toBe("The app cannot open its data folder.");
  });
});
