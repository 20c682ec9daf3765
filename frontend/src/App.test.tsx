import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { CompanionApiProvider } from "./api/CompanionApiContext";
import type { Account, CompanionApi, Diagnostics, LaunchIntent, Overview, Patient, SessionGrant } from "./api/companionApi";
import { account, deferred, fakeApi, overviewWith } from "./test/fakeApi";

// Fullscript's library stands in here: what matters is how often a screen is mounted.
const lib = vi.hoisted(() => ({ mounts: 0 }));
vi.mock("@fullscript/fullscript-js", () => ({
  Fullscript: () => ({
    create: () => ({
      on: () => {},
      off: () => {},
      mount: () => {
        lib.mounts += 1;
        return Promise.resolve();
      },
      unmount: () => {},
    }),
  }),
}));

function renderApp(api: CompanionApi) {
  return render(
    <CompanionApiProvider api={api}>
      <App />
    </CompanionApiProvider>,
  );
}

describe("App", () => {
  it("shows a progress indicator until the overview arrives, and reports ready only after", async () => {
    const pending = deferred<Overview>();
    const api = fakeApi(() => pending.promise);
    renderApp(api);

    expect(screen.getByText("Opening your accounts…").closest("[role=status]")).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Accounts" }).getAttribute("aria-busy")).toBe("true");
    expect(api.frontendReady).not.toHaveBeenCalled();

    await act(async () => pending.resolve(overviewWith()));
    expect(screen.queryByText(/Opening your accounts/)).toBeNull();
    expect(api.frontendReady).toHaveBeenCalledTimes(1);
  });

  it("shows the empty state and says who and where", async () => {
    const api = fakeApi(() => Promise.resolve(overviewWith()));
    renderApp(api);

    expect(await screen.findByRole("heading", { name: "Add your first Fullscript account" })).toBeTruthy();
    const sidebar = screen.getByRole("navigation", { name: "Accounts" });
    expect(within(sidebar).getByText("No accounts yet")).toBeTruthy();

    const header = screen.getByRole("banner");
    expect(header.textContent).toContain("No account selected");
    expect(header.textContent).toContain("Built-in sandbox");
    expect(screen.getByText(/Version v0\.1\.0-test/)).toBeTruthy();
    const steps = within(screen.getByRole("main")).getAllByRole("listitem").map((li) => li.textContent);
    expect(steps).toEqual([
      expect.stringMatching(/^Sign in with Fullscript/),
      expect.stringMatching(/^Find the patient/),
      expect.stringMatching(/^Open their treatment plan, the catalog or labs/),
    ]);

    // Adding an account starts the browser sign-in and shows what the app waits for.
    const signIn = deferred<Account>();
    vi.mocked(api.signIn).mockImplementation(() => signIn.promise);
    const add = within(screen.getByRole("main")).getByRole("button", { name: /Add/ }) as HTMLButtonElement;
    expect(add.disabled).toBe(false);
    await userEvent.click(add);
    expect(api.signIn).toHaveBeenCalledWith("local");
    expect(await screen.findByText(/Sign in to Fullscript in the browser window that opened/)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(api.cancelSignIn).toHaveBeenCalled();
  });

  // That it is sent once even when the view changes later is checked by the
  // retry test below (it fails without useFrontendReady's guard).
  it("reports readiness with the webview origin and the view shown", async () => {
    const api = fakeApi(() => Promise.resolve(overviewWith()));
    renderApp(api);
    await waitFor(() => expect(api.frontendReady).toHaveBeenCalled());

    expect(api.frontendReady).toHaveBeenCalledTimes(1);
    expect(api.frontendReady).toHaveBeenCalledWith({
      origin: window.location.origin,
      view: "empty",
      userAgent: navigator.userAgent,
    });
  });

  it("explains a failed start in the app's words and retries on request", async () => {
    const failure = {
      message: "The app cannot open its data folder.",
      fix: "A file is in the way at /home/ada/.config/fullscript-companion. Move or rename it, then try again.",
      detail: "data folder /home/ada/.config/fullscript-companion is a file, not a folder",
    };
    let calls = 0;
    const api = fakeApi(() => (++calls === 1 ? Promise.reject(failure) : Promise.resolve(overviewWith())));
    renderApp(api);

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading").textContent).toBe(failure.message);
    expect(alert.textContent).toContain(failure.fix);
    // The detail is there for support, folded away.
    const details = alert.querySelector("details");
    expect(details?.open).toBe(false);
    expect(details?.textContent).toContain(failure.detail);
    // The one thing to do has the focus, so Enter does it.
    expect(document.activeElement).toBe(within(alert).getByRole("button", { name: "Try again" }));
    // The report is sent from an effect, which React may run after the paint the query saw.
    await waitFor(() => expect(api.frontendReady).toHaveBeenCalledWith(expect.objectContaining({ view: "error" })));

    await userEvent.keyboard("{Enter}");
    expect(await screen.findByRole("heading", { name: "Add your first Fullscript account" })).toBeTruthy();
    expect(api.overview).toHaveBeenCalledTimes(2);
    // Readiness is about the first screen: the view changing to "empty" sends nothing more.
    expect(api.frontendReady).toHaveBeenCalledTimes(1);
  });

  it("says plainly when the app itself failed", async () => {
    const api = fakeApi(() => Promise.reject("error parsing arguments: unexpected end of JSON input"));
    renderApp(api);

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading").textContent).toBe("Something went wrong inside the app.");
    expect(alert.querySelector("details")?.textContent).toContain("error parsing arguments");
  });

  it("lists accounts under their clinics and shows the chosen one in the header", async () => {
    const api = fakeApi(() =>
      Promise.resolve(
        overviewWith([
          account({ id: "a1", userName: "Dr. Ada Moss" }),
          account({ id: "a2", userName: "Sam", role: "staff", status: "expiring" }),
          account({ id: "a3", clinicId: "clinic-2", clinicName: "Northside Clinic", status: "needs_sign_in" }),
        ]),
      ),
    );
    renderApp(api);

    const riverside = await screen.findByRole("region", { name: "Riverside Clinic" });
    const northside = screen.getByRole("region", { name: "Northside Clinic" });
    // Each row: name, role, the environment (it differs from the app's), status words only when not valid.
    expect(within(riverside).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Dr. Ada MossPractitioner · US sandbox",
      "SamStaff · US sandboxSign-in expiring",
    ]);
    expect(within(northside).getByRole("listitem").textContent).toBe(
      "Dr. Ada MossPractitioner · US sandboxNeeds sign-inSign in again",
    );
    expect(screen.getByRole("heading", { name: "Choose an account" })).toBeTruthy();
    await waitFor(() => expect(api.frontendReady).toHaveBeenCalledWith(expect.objectContaining({ view: "accounts" })));

    const northsideRow = within(northside).getByRole("button", { name: /^Dr\. Ada Moss/ });
    await userEvent.click(northsideRow);
    const header = screen.getByRole("banner");
    expect(header.textContent).toContain("Dr. Ada Moss·Northside Clinic·US sandbox");
    expect(northsideRow.getAttribute("aria-current")).toBe("true");
    // The chosen account's workspace: Fullscript's screens to open.
    const open = within(screen.getByRole("main")).getByRole("group", { name: "Open in Fullscript" });
    expect(within(open).getByRole("button", { name: /Treatment plan/ })).toBeTruthy();
  });

  it("reaches every account with the keyboard alone", async () => {
    const api = fakeApi(() =>
      Promise.resolve(overviewWith([account({ id: "a1" }), account({ id: "a2", userName: "Sam", role: "staff" })])),
    );
    renderApp(api);
    await screen.findByRole("region", { name: "Riverside Clinic" });

    const user = userEvent.setup();
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Dr\. Ada Moss/ }));
    await user.tab(); // her actions menu button sits between the rows
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Actions for Dr. Ada Moss" }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Sam Staff/ }));
    await user.keyboard("{Enter}");
    expect(screen.getByRole("banner").textContent).toContain("Sam·Riverside Clinic");
  });

  it("a link that cannot be followed is said above the view and changes nothing; Dismiss hides it", async () => {
    const ada = account({ id: "acc-1", userName: "Dr. Ada Moss", isDefault: true });
    const api = fakeApi(() => Promise.resolve(overviewWith([ada])));
    renderApp(api);
    expect(await screen.findByText("Fullscript opens here")).toBeTruthy();

    const link = { account: "", patientId: "", patientEmail: "", feature: "treatment-plan", in: "", source: "link", problem: "" } as const;
    await act(async () => api.emitLaunch({ ...link, problem: "This link cannot be opened: it asks the app to \"signout\"." }));
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain("The link could not be followed");
    expect(notice.textContent).toContain('asks the app to "signout"');
    expect(api.signOut).not.toHaveBeenCalled();

    await act(async () => api.emitLaunch({ ...link, account: "Elsewhere Clinic" }));
    expect((await screen.findByRole("alert")).textContent).toContain("“Elsewhere Clinic”, which is not signed in here");
    expect(screen.getByRole("banner").textContent).toContain("Dr. Ada Moss");
    expect(screen.getByText("Fullscript opens here")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("lands on an account just added, even while the account list is still reloading", async () => {
    const ada = account({ id: "a1", userName: "Dr. Ada Moss", isDefault: true });
    const sam = account({ id: "a2", userName: "Sam Reyes", role: "staff" });
    const reloaded = deferred<Overview>();
    let calls = 0;
    const api = fakeApi(() => (++calls === 1 ? Promise.resolve(overviewWith([ada])) : reloaded.promise));
    vi.mocked(api.signIn).mockImplementation(() => Promise.resolve(sam));
    renderApp(api);
    expect(await screen.findByText("Fullscript opens here")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: /Add account/ }));
    await act(async () => reloaded.resolve(overviewWith([ada, sam])));
    await waitFor(() => expect(screen.getByRole("banner").textContent).toContain("Sam Reyes"));
    expect(screen.getByRole("button", { name: /^Sam Reyes/ }).getAttribute("aria-current")).toBe("true");
  });

  it("keeps each account's patient and open screen while History, Settings or another account is shown", async () => {
    lib.mounts = 0;
    const ada = account({ id: "a1", userName: "Dr. Ada Moss", isDefault: true });
    const sam = account({ id: "a2", userName: "Sam Reyes", role: "staff" });
    const amos: Patient = { id: "pat-1", firstName: "Amos", lastName: "Kline", email: "amos@example.com", dateOfBirth: "", sex: "", mobileNumber: "" };
    const api = fakeApi(() => Promise.resolve(overviewWith([ada, sam])), {
      patient: vi.fn<CompanionApi["patient"]>(() => Promise.resolve(amos)),
      newSessionGrant: vi.fn<CompanionApi["newSessionGrant"]>(() =>
        Promise.resolve<SessionGrant>({ secretToken: "s", expiresAt: "2030-01-01T00:00:00Z", env: "us-snd", domain: "https://embed.test", publicKey: "pk" }),
      ),
    });
    renderApp(api);
    expect(await screen.findByText("Fullscript opens here")).toBeTruthy();
    const open: LaunchIntent = { account: "a1", patientId: "pat-1", patientEmail: "", feature: "treatment-plan", in: "window", source: "command", problem: "" };
    await act(async () => api.emitLaunch(open));
    expect(await screen.findByRole("button", { name: /Clear patient Amos Kline/ })).toBeTruthy();
    await waitFor(() => expect(lib.mounts).toBe(1));

    for (const away of ["History", "Settings"]) {
      await userEvent.click(screen.getByRole("button", { name: away }));
      expect(screen.queryByRole("button", { name: /Clear patient Amos Kline/ })).toBeNull();
      await userEvent.click(screen.getByRole("button", { name: /^Dr\. Ada Moss/ }));
      expect(screen.getByRole("button", { name: /Clear patient Amos Kline/ })).toBeTruthy();
      expect(screen.getByText("Treatment plan for Amos Kline")).toBeTruthy();
    }
    // Another account starts clean; coming back finds Ada's patient and screen as they were.
    await userEvent.click(screen.getByRole("button", { name: /^Sam Reyes/ }));
    expect(screen.queryByRole("button", { name: /Clear patient Amos Kline/ })).toBeNull();
    expect(screen.getByText("Fullscript opens here")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: /^Dr\. Ada Moss/ }));
    expect(screen.getByRole("button", { name: /Clear patient Amos Kline/ })).toBeTruthy();
    // The screen was never mounted again: no second grant spent.
    expect(lib.mounts).toBe(1);
    expect(api.newSessionGrant).toHaveBeenCalledTimes(1);
  });

  it("a kept workspace asks again where Fullscript opens when it is shown (Settings may have changed it)", async () => {
    const ada = account({ id: "a1", userName: "Dr. Ada Moss", isDefault: true });
    let opens: "window" | "browser" = "window";
    const api = fakeApi(() => Promise.resolve(overviewWith([ada])), {
      howFullscriptOpens: vi.fn<CompanionApi["howFullscriptOpens"]>(() => Promise.resolve({ setting: opens, opens, reason: "" })),
    });
    renderApp(api);
    expect(await screen.findByRole("button", { name: /Treatment plan · opens here/ })).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "History" }));
    opens = "browser"; // as if Settings were saved meanwhile
    await userEvent.click(screen.getByRole("button", { name: /^Dr\. Ada Moss/ }));
    expect(await screen.findByRole("button", { name: /Treatment plan ↗ opens in your browser/ })).toBeTruthy();
  });

  it("the window's menu goes where the sidebar does: Settings, History, Diagnostics, Add account", async () => {
    const ada = account({ id: "a1", userName: "Dr. Ada Moss", isDefault: true });
    const api = fakeApi(() => Promise.resolve(overviewWith([ada])), {
      settings: vi.fn<CompanionApi["settings"]>(() => new Promise(() => {})),
      diagnostics: vi.fn<CompanionApi["diagnostics"]>(() => new Promise(() => {})),
    });
    vi.mocked(api.signIn).mockImplementation(() => new Promise(() => {}));
    renderApp(api);
    expect(await screen.findByText("Fullscript opens here")).toBeTruthy();
    await act(async () => api.emitMenu("settings"));
    expect(screen.getByText("Opening settings…")).toBeTruthy();
    await act(async () => api.emitMenu("history"));
    expect(api.historyRecord).toHaveBeenCalled();
    await act(async () => api.emitMenu("diagnostics"));
    expect(api.diagnostics).toHaveBeenCalled();
    // Help > Check connection: Diagnostics, with the check run at once.
    const diagnostics: Diagnostics = {
      environment: "local", webviewOrigin: "wails://wails", redirectUri: "", embedDomain: "", sandboxUrl: "",
      keyStorage: "key-file", keyStorageNote: "", dataDir: "/tmp/data", missing: [],
    };
    vi.mocked(api.diagnostics).mockResolvedValue(diagnostics);
    vi.mocked(api.checkConnection).mockResolvedValue({ environment: "local", checks: [] });
    await act(async () => api.emitMenu("check-connection"));
    await waitFor(() => expect(api.checkConnection).toHaveBeenCalledTimes(1));
    await act(async () => api.emitMenu("add-account"));
    expect(api.signIn).toHaveBeenCalledWith("local");
    expect(screen.getByText(/Sign in to Fullscript in the browser window that opened/)).toBeTruthy();
  });
});
