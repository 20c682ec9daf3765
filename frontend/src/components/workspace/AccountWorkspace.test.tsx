import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, LaunchIntent, Patient, SessionGrant } from "../../api/companionApi";
import { account, fakeApi, overviewWith } from "../../test/fakeApi";
import { AccountWorkspace, type AccountWorkspaceProps } from "./AccountWorkspace";

// The panel's default loader imports the library: stand in for it, so this
// also covers the adapter from the library's generic create() to ours.
const lib = vi.hoisted(() => ({ created: [] as { type: string; options: Record<string, unknown> }[] }));
vi.mock("@fullscript/fullscript-js", () => ({
  Fullscript: () => ({
    create: (type: string, options: Record<string, unknown>) => {
      lib.created.push({ type, options });
      return { on: () => {}, off: () => {}, mount: () => Promise.resolve(), unmount: () => {} };
    },
  }),
}));

const OFFLINE = "Offline: Fullscript needs the internet. Recent patients and History still work.";

function grantApi(overrides: Partial<CompanionApi> = {}) {
  let n = 0;
  return fakeApi(() => Promise.resolve(overviewWith()), {
    ...overrides,
    newSessionGrant: vi.fn(() => {
      n += 1;
      return Promise.resolve<SessionGrant>({
        secretToken: `secret-${n}`,
        expiresAt: "2030-01-01T00:00:00Z",
        env: "us-snd",
        domain: "https://embed.test",
        publicKey: "pk",
      });
    }),
  });
}

function launch(overrides: Partial<LaunchIntent>): LaunchIntent {
  return { account: "acc-1", patientId: "", patientEmail: "", feature: "treatment-plan", in: "", source: "command", problem: "", ...overrides };
}

function setup({ online = true, intent = null as LaunchIntent | null, overrides = {} as Partial<CompanionApi> } = {}) {
  const api = grantApi(overrides);
  const onLaunchHandled = vi.fn();
  const props: AccountWorkspaceProps = { account: account({ id: "acc-1" }), online, launch: intent, onLaunchHandled, onOpenDiagnostics: vi.fn() };
  const view = render(
    <CompanionApiProvider api={api}>
      <AccountWorkspace {...props} />
    </CompanionApiProvider>,
  );
  const rerender = (next: Partial<AccountWorkspaceProps>) =>
    view.rerender(
      <CompanionApiProvider api={api}>
        <AccountWorkspace {...props} {...next} />
      </CompanionApiProvider>,
    );
  return { api, onLaunchHandled, rerender };
}

/** A feature button once the app knows where it opens (enabled, and saying so). */
async function feature(name: string, where: string): Promise<HTMLButtonElement> {
  const button = (await screen.findByRole("button", { name: new RegExp(`^${name}\\W+${where}$`) })) as HTMLButtonElement;
  await waitFor(() => expect(button.disabled).toBe(false));
  return button;
}

describe("AccountWorkspace", () => {
  beforeEach(() => {
    lib.created = [];
  });

  it("offline: the feature buttons and search are off and say why", () => {
    setup({ online: false });
    for (const name of ["Treatment plan", "Catalog", "Labs"]) {
      const button = screen.getByRole("button", { name }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(document.getElementById(button.getAttribute("aria-describedby")!)?.textContent).toBe(OFFLINE);
    }
    expect((screen.getByRole("combobox") as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByRole("button", { name: /Recent/ })).toHaveProperty("disabled", false);
  });

  it("online: Catalog opens without a patient, Esc closes it", async () => {
    const { api } = setup();
    await userEvent.click(await feature("Catalog", "opens here"));
    await waitFor(() => expect(lib.created).toEqual([{ type: "platform", options: { secretToken: "secret-1", entrypoint: "catalog" } }]));
    expect(api.newSessionGrant).toHaveBeenCalledWith("acc-1");
    expect(screen.getByRole("region", { name: "Catalog" })).toBeTruthy();

    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("region", { name: "Catalog" })).toBeNull();
    expect(screen.getByText("Fullscript opens here")).toBeTruthy();
  });

  it("applies a launch intent once: the patient id goes to Fullscript, then onLaunchHandled", async () => {
    const intent = launch({ patientId: "pat-42" });
    const { api, onLaunchHandled, rerender } = setup({ intent });
    await waitFor(() => expect(lib.created).toHaveLength(1));
    expect(lib.created[0]).toEqual({ type: "treatmentPlan", options: { secretToken: "secret-1", patient: { id: "pat-42" } } });
    expect(onLaunchHandled).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Clear patient Patient pat-42" })).toBeTruthy();

    // Until the parent clears it, the same intent stays in props (here with a
    // new callback, as an inline arrow gives): no second opening.
    rerender({ onLaunchHandled: () => onLaunchHandled() });
    await new Promise((r) => setTimeout(r, 20));
    expect(api.newSessionGrant).toHaveBeenCalledTimes(1);
    expect(onLaunchHandled).toHaveBeenCalledTimes(1);
  });

  it("a launch by patient id shows the patient's name once the API has it", async () => {
    const api = grantApi();
    vi.mocked(api.patient).mockResolvedValue({ id: "pat-42", firstName: "Amos", lastName: "Kline", email: "amos@example.com", dateOfBirth: "1990-01-02", sex: "male", mobileNumber: "" });
    render(
      <CompanionApiProvider api={api}>
        <AccountWorkspace account={account({ id: "acc-1" })} online launch={launch({ patientId: "pat-42" })} onLaunchHandled={vi.fn()} onOpenDiagnostics={vi.fn()} />
      </CompanionApiProvider>,
    );
    expect(await screen.findByRole("button", { name: "Clear patient Amos Kline" })).toBeTruthy();
    expect(api.patient).toHaveBeenCalledWith("acc-1", "pat-42");
    // The open screen is titled with the name too, without opening again.
    expect(await screen.findByRole("region", { name: "Treatment plan for Amos Kline" })).toBeTruthy();
    expect(api.newSessionGrant).toHaveBeenCalledTimes(1);
    // Fullscript got the id alone: it matches the patient itself.
    expect(lib.created[0]?.options).toEqual({ secretToken: "secret-1", patient: { id: "pat-42" } });
  });

  it("a launch with an email prefills it as a typed patient and opens the feature", async () => {
    const { onLaunchHandled } = setup({ intent: launch({ patientEmail: "amos@example.com" }) });
    await waitFor(() => expect(lib.created).toHaveLength(1));
    expect(lib.created[0]).toEqual({ type: "treatmentPlan", options: { secretToken: "secret-1", patient: { email: "amos@example.com" } } });
    expect(screen.getByRole("button", { name: "Clear patient amos@example.com" })).toBeTruthy();
    expect(onLaunchHandled).toHaveBeenCalledTimes(1);
  });

  it("a launch with the email of a patient the clinic has opens that patient, not a new one", async () => {
    const known: Patient = { id: "pat-9", firstName: "Amos", lastName: "Burton", email: "Amos@Example.com", dateOfBirth: "", sex: "", mobileNumber: "" };
    const other: Patient = { ...known, id: "pat-10", email: "amos.b@example.com" };
    const searchPatients = vi.fn<CompanionApi["searchPatients"]>(() => Promise.resolve({ patients: [other, known], page: 1, totalPages: 1, totalCount: 2 }));
    setup({ intent: launch({ patientEmail: "amos@example.com" }), overrides: { searchPatients } });
    await waitFor(() => expect(lib.created).toHaveLength(1));
    expect(searchPatients).toHaveBeenCalledWith("acc-1", "amos@example.com", 1);
    // The id of the exact (case-blind) match, not the first result, and no "new patient".
    expect(lib.created[0]?.options).toEqual({ secretToken: "secret-1", patient: { id: "pat-9" } });
    expect(screen.getByRole("button", { name: /Clear patient Amos Burton/ })).toBeTruthy();
  });

  it("a launch with an email nobody at the clinic has opens it as a new patient", async () => {
    const searchPatients = vi.fn<CompanionApi["searchPatients"]>(() => Promise.resolve({ patients: [], page: 1, totalPages: 0, totalCount: 0 }));
    setup({ intent: launch({ patientEmail: "new@example.com" }), overrides: { searchPatients } });
    await waitFor(() => expect(lib.created).toHaveLength(1));
    expect(lib.created[0]?.options).toEqual({ secretToken: "secret-1", patient: { email: "new@example.com" } });
  });

  it("after a patient is chosen with Enter, the keyboard is on Treatment plan", async () => {
    const ada: Patient = { id: "pat-1", firstName: "Ada", lastName: "Moss", email: "ada@example.com", dateOfBirth: "", sex: "", mobileNumber: "" };
    const searchPatients = vi.fn<CompanionApi["searchPatients"]>(() => Promise.resolve({ patients: [ada], page: 1, totalPages: 1, totalCount: 1 }));
    setup({ overrides: { searchPatients } });
    await userEvent.type(screen.getByRole("combobox", { name: "Patient" }), "ada");
    await screen.findByRole("option", { name: /Ada Moss/ });
    await userEvent.keyboard("{ArrowDown}{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Treatment plan/ })));
  });

  it("a link opens a patient the clinic has by itself, but a new patient's screen waits for a click", async () => {
    const fromLink = (overrides: Partial<LaunchIntent>) => launch({ source: "link", ...overrides });
    const searchPatients = vi.fn<CompanionApi["searchPatients"]>(() => Promise.resolve({ patients: [], page: 1, totalPages: 0, totalCount: 0 }));
    const { api } = setup({ intent: fromLink({ patientEmail: "someone@attacker.example" }), overrides: { searchPatients } });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Treatment plan/ })));
    // Chosen and ready, but nothing made at Fullscript, nothing remembered.
    expect(screen.getByRole("button", { name: "Clear patient someone@attacker.example" })).toBeTruthy();
    expect(api.newSessionGrant).not.toHaveBeenCalled();
    expect(api.rememberPatient).not.toHaveBeenCalled();
    expect(lib.created).toHaveLength(0);
  });
});
