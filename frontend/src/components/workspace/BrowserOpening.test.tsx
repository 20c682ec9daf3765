import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { BrowserOpened, BrowserRequest, CompanionApi, LaunchIntent, OpenChoice, Patient, PatientPlans } from "../../api/companionApi";
import { account, deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { AccountWorkspace } from "./AccountWorkspace";

const amos: Patient = { id: "pat-7", firstName: "Amos", lastName: "Kline", email: "amos@example.com", dateOfBirth: "", sex: "", mobileNumber: "" };

const inBrowser: OpenChoice = {
  setting: "automatic",
  opens: "browser",
  reason: "Fullscript does not show its screens inside this app for the US, so they open in your browser.",
};

function openedFor(req: BrowserRequest, overrides: Partial<BrowserOpened> = {}): BrowserOpened {
  return {
    person: "Dr. Ada Moss",
    clinic: "Riverside Clinic",
    environment: "us",
    patient: req.patient ? `${req.patient.firstName} ${req.patient.lastName}`.trim() || req.patient.email : "",
    screen: { "treatment-plan": "Treatment plan", catalog: "Catalog", labs: "Labs" }[req.feature],
    for: "",
    at: "2030-01-01T10:42:00Z",
    ...overrides,
  };
}

function setup(overrides: Partial<CompanionApi> = {}, { role = "practitioner", launch = null as LaunchIntent | null } = {}) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), {
    howFullscriptOpens: vi.fn(() => Promise.resolve(inBrowser)),
    openInBrowser: vi.fn((req: BrowserRequest) => Promise.resolve(openedFor(req))),
    copyBrowserLink: vi.fn((req: BrowserRequest) => Promise.resolve(openedFor(req))),
    searchPatients: vi.fn(() => Promise.resolve({ patients: [amos], page: 1, totalPages: 1, totalCount: 1 })),
    ...overrides,
  });
  render(
    <CompanionApiProvider api={api}>
      <AccountWorkspace account={account({ id: "acc-1", environment: "us", role })} online launch={launch} onLaunchHandled={vi.fn()} onOpenDiagnostics={vi.fn()} />
    </CompanionApiProvider>,
  );
  return { api };
}

async function choosePatient() {
  await userEvent.type(screen.getByRole("combobox"), "kline");
  await userEvent.click(await screen.findByRole("option", { name: /Amos Kline/ }));
}

async function button(name: RegExp): Promise<HTMLButtonElement> {
  const b = (await screen.findByRole("button", { name })) as HTMLButtonElement;
  await waitFor(() => expect(b.disabled).toBe(false));
  return b;
}

describe("Fullscript in the browser", () => {
  it("each button says it opens in the browser, and why", async () => {
    setup();
    for (const name of ["Treatment plan", "Catalog", "Labs"]) {
      const b = await button(new RegExp(`^${name} ↗ opens in your browser$`));
      expect(document.getElementById(b.getAttribute("aria-describedby")!)?.textContent).toBe(inBrowser.reason);
    }
    expect(screen.getByText("Fullscript opens in your browser")).toBeTruthy();
  });

  it("while the app finds out where, the buttons wait", async () => {
    const later = deferred<OpenChoice>();
    setup({ howFullscriptOpens: vi.fn(() => later.promise) });
    const b = screen.getByRole("button", { name: "Treatment plan" }) as HTMLButtonElement;
    expect(b.disabled).toBe(true);
    expect(screen.getByText("Checking where Fullscript opens…")).toBeTruthy();
    later.resolve(inBrowser);
    await waitFor(() => expect(b.disabled).toBe(false));
  });

  it("opens the treatment plan for the patient, shows what it opened, and Open again asks for a new link", async () => {
    const { api } = setup();
    await choosePatient();
    await userEvent.click(await button(/^Treatment plan/));
    expect(api.openInBrowser).toHaveBeenCalledWith({ accountId: "acc-1", feature: "treatment-plan", patient: amos, practitionerId: "" });
    const done = await screen.findByText(/Opened in your browser/);
    expect(done.textContent).toBe("Opened in your browser: Treatment plan for Amos Kline");
    expect(screen.getByText(/as Dr\. Ada Moss at Riverside Clinic/)).toBeTruthy();
    // The patient's plans are below, to see the new one once activated.
    expect(await screen.findByRole("region", { name: "Treatment plans for Amos Kline" })).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Open again" }));
    await waitFor(() => expect(api.openInBrowser).toHaveBeenCalledTimes(2));
    await userEvent.click(screen.getByRole("button", { name: "Copy link" }));
    expect(await screen.findByText(/A new link is on the clipboard/)).toBeTruthy();
    expect(api.copyBrowserLink).toHaveBeenCalledWith({ accountId: "acc-1", feature: "treatment-plan", patient: amos, practitionerId: "" });

    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByText(/A new link is on the clipboard/)).toBeNull();
  });

  it("Catalog and Labs open clinic-wide, as in the window", async () => {
    const { api } = setup();
    await choosePatient();
    await userEvent.click(await button(/^Labs/));
    expect(api.openInBrowser).toHaveBeenCalledWith({ accountId: "acc-1", feature: "labs", patient: null, practitionerId: "" });
    expect((await screen.findByText(/Opened in your browser/)).textContent).toBe("Opened in your browser: Labs");
  });

  it("a browser that did not open: why, Try again, and the link to copy instead", async () => {
    const openInBrowser = vi
      .fn<CompanionApi["openInBrowser"]>()
      .mockRejectedValueOnce({
        message: "Your browser did not open, so Fullscript's Treatment plan screen is not showing.",
        fix: "Make sure a default web browser is set for your account, then try again.",
        detail: "xdg-open: exit status 3",
        code: "browser_not_opened",
      })
      .mockImplementation((req) => Promise.resolve(openedFor(req)));
    const { api } = setup({ openInBrowser });
    await userEvent.click(await button(/^Treatment plan/));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Your browser did not open");
    expect(alert.textContent).toContain("default web browser");
    await userEvent.click(within(alert).getByRole("button", { name: "Copy the link instead" }));
    expect(await screen.findByText(/A new link is on the clipboard/)).toBeTruthy();
    expect(api.copyBrowserLink).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByRole("button", { name: "Open again" }));
    expect(await screen.findByText(/Opened in your browser/)).toBeTruthy();
  });

  it("a missing scope is said in the practitioner's words", async () => {
    setup({
      openInBrowser: vi.fn(() =>
        Promise.reject({
          message: "Fullscript did not let the app open Treatment plan in the browser for Dr. Ada Moss at Riverside Clinic: this sign-in lacks the clinic:write permission.",
          fix: "Whoever manages the app in Fullscript's API Dashboard adds the clinic:write and patients:write scopes; then use Sign in again on this account.",
          detail: "fullscript: 403 Forbidden",
        }),
      ),
    });
    await userEvent.click(await button(/^Treatment plan/));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("lacks the clinic:write permission");
    expect(alert.querySelector("details")?.textContent).toContain("403");
    // Copying a link cannot help here: it would fail the same way.
    expect(within(alert).queryByRole("button", { name: "Copy the link instead" })).toBeNull();
  });

  it("staff choose whom they prescribe for; the link is for the one on screen, even before it is saved", async () => {
    const saving = deferred<void>();
    const { api } = setup(
      {
        practitioners: vi.fn(() => Promise.resolve([{ id: "u-ada", name: "Dr. Ada Moss" }, { id: "u-ben", name: "Dr. Ben Okafor" }])),
        prescriber: vi.fn(() => Promise.resolve("u-ada")),
        setPrescriber: vi.fn(() => saving.promise),
      },
      { role: "staff" },
    );
    const picker = (await screen.findByLabelText("Prescribing for")) as HTMLSelectElement;
    await waitFor(() => expect(picker.value).toBe("u-ada"));
    await userEvent.selectOptions(picker, "u-ben");
    expect(api.setPrescriber).toHaveBeenCalledWith("acc-1", "u-ben");
    // Still saving: the link goes for Ben anyway.
    await userEvent.click(await button(/^Treatment plan/));
    expect(api.openInBrowser).toHaveBeenLastCalledWith(expect.objectContaining({ practitionerId: "u-ben" }));
    saving.resolve();
  });

  const staffInTheWindow = { howFullscriptOpens: vi.fn(() => Promise.resolve({ setting: "window", opens: "window", reason: "Settings say so." } as OpenChoice)) };

  it("no practitioner picker for a practitioner, nor for staff while Fullscript opens in the window", async () => {
    setup();
    await button(/^Treatment plan/);
    expect(screen.queryByLabelText("Prescribing for")).toBeNull();
  });

  it("staff: the picker shows once something opens in the browser, whatever the buttons say", async () => {
    const { api } = setup(
      { ...staffInTheWindow, practitioners: vi.fn(() => Promise.resolve([{ id: "u-ben", name: "Dr. Ben Okafor" }])) },
      { role: "staff", launch: { account: "acc-1", patientId: "", patientEmail: "", feature: "labs", in: "browser", source: "command", problem: "" } },
    );
    await waitFor(() => expect(api.openInBrowser).toHaveBeenCalledTimes(1));
    expect(await screen.findByLabelText("Prescribing for")).toBeTruthy();
  });

  it("a click while a link is on its way opens nothing more", async () => {
    const slow = deferred<BrowserOpened>();
    const { api } = setup({ openInBrowser: vi.fn(() => slow.promise) });
    const plan = await button(/^Treatment plan/);
    await userEvent.click(plan);
    expect(plan.disabled).toBe(true);
    await userEvent.click(plan);
    expect(api.openInBrowser).toHaveBeenCalledTimes(1);
    slow.resolve(openedFor({ accountId: "acc-1", feature: "treatment-plan", patient: null, practitionerId: "" }));
    await waitFor(() => expect(plan.disabled).toBe(false));
  });

  it("a launch that asks for the browser opens there, whatever Automatic says", async () => {
    const { api } = setup(
      { howFullscriptOpens: vi.fn(() => Promise.resolve({ setting: "automatic", opens: "window", reason: "ok" } as OpenChoice)) },
      { launch: { account: "acc-1", patientId: "pat-7", patientEmail: "", feature: "treatment-plan", in: "browser", source: "command", problem: "" } },
    );
    await waitFor(() => expect(api.openInBrowser).toHaveBeenCalledTimes(1));
    expect(vi.mocked(api.openInBrowser).mock.calls[0]?.[0].patient?.id).toBe("pat-7");
    expect(api.newSessionGrant).not.toHaveBeenCalled();
  });
});

describe("the patient's plans", () => {
  const plans: PatientPlans = {
    plans: [
      { id: "tp-2", state: "active", createdAt: "2030-02-01T10:00:00Z", prescriber: "Dr. Ada Moss", products: ["Magnesium Glycinate"], productCount: 3, labs: [] },
      { id: "tp-1", state: "cancelled", createdAt: "2030-01-01T10:00:00Z", prescriber: "", products: [], productCount: 0, labs: ["Lipid Panel"] },
    ],
    fetchedAt: "2030-02-02T08:00:00Z",
    saved: false,
    note: "",
  };

  it("shows them under the chosen patient, with each plan's invitation link to copy", async () => {
    const { api } = setup({ patientPlans: vi.fn(() => Promise.resolve(plans)), copyPlanInvitation: vi.fn(() => Promise.resolve()) });
    await choosePatient();
    const region = await screen.findByRole("region", { name: "Treatment plans for Amos Kline" });
    const items = await within(region).findAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain("Active");
    expect(items[0]!.textContent).toContain("Dr. Ada Moss");
    expect(items[0]!.textContent).toContain("Magnesium Glycinate, 2 more products");
    expect(items[1]!.textContent).toContain("Cancelled");
    expect(items[1]!.textContent).toContain("Lipid Panel");
    await userEvent.click(within(items[0]!).getByRole("button", { name: /Copy the invitation link/ }));
    expect(api.copyPlanInvitation).toHaveBeenCalledWith("acc-1", "tp-2");
    expect(await within(items[0]!).findByText(/Copied/)).toBeTruthy();

    // Refresh asks again (as does coming back to the window).
    await userEvent.click(within(region).getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(api.patientPlans).toHaveBeenCalledTimes(2));
    window.dispatchEvent(new Event("focus"));
    await waitFor(() => expect(api.patientPlans).toHaveBeenCalledTimes(3));
  });

  it("offline: the last copy, with its date and why", async () => {
    setup({ patientPlans: vi.fn(() => Promise.resolve({ ...plans, saved: true, note: "Fullscript cannot be reached, so the app could not read the patient's plans." })) });
    await choosePatient();
    const note = await screen.findByRole("note");
    expect(note.textContent).toMatch(/^As of .+: Fullscript cannot be reached/);
  });

  it("no plans yet, and a failure with Try again", async () => {
    const patientPlans = vi
      .fn<CompanionApi["patientPlans"]>()
      .mockRejectedValueOnce({ message: "Fullscript did not let the app read this patient's plans.", fix: "Add the scopes.", detail: "" })
      .mockResolvedValue({ ...plans, plans: [] });
    setup({ patientPlans });
    await choosePatient();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("did not let the app read");
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("No treatment plans yet.")).toBeTruthy();
  });
});
