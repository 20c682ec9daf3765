import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, Patient, PatientPage } from "../../api/companionApi";
import { account, deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { PatientPicker } from "./PatientPicker";

function patient(first: string, last: string, overrides: Partial<Patient> = {}): Patient {
  return {
    id: `id-${first.toLowerCase()}`,
    firstName: first,
    lastName: last,
    email: `${first.toLowerCase()}@example.com`,
    dateOfBirth: "",
    sex: "",
    mobileNumber: "",
    ...overrides,
  };
}

function page(patients: Patient[], n = 1, totalPages = 1): PatientPage {
  return { patients, page: n, totalPages, totalCount: patients.length };
}

/** The picker as AccountWorkspace holds it: the chosen patient in state. */
function Harness({ online }: { online: boolean }) {
  const [chosen, setChosen] = useState<Patient | null>(null);
  return <PatientPicker account={account({ id: "acc-1" })} online={online} patient={chosen} onChange={setChosen} />;
}

function setup(overrides: Partial<CompanionApi> = {}, online = true) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), overrides);
  render(
    <CompanionApiProvider api={api}>
      <Harness online={online} />
    </CompanionApiProvider>,
  );
  return { api, search: screen.queryByRole("combobox") };
}

const chip = () => screen.queryByRole("button", { name: /^Clear patient / });

describe("PatientPicker", () => {
  afterEach(() => vi.useRealTimers());

  it("searches once when typing pauses, and says Searching… at once", async () => {
    vi.useFakeTimers();
    const answer = deferred<PatientPage>();
    const { api } = setup({ searchPatients: vi.fn(() => answer.promise) });
    const input = screen.getByRole("combobox", { name: "Patient" });
    act(() => input.focus());

    fireEvent.change(input, { target: { value: "a" } });
    fireEvent.change(input, { target: { value: "ad" } });
    act(() => vi.advanceTimersByTime(100));
    fireEvent.change(input, { target: { value: "ada" } });
    expect(screen.getByRole("status").textContent).toContain("Searching…");

    act(() => vi.advanceTimersByTime(299));
    expect(api.searchPatients).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(api.searchPatients).toHaveBeenCalledTimes(1);
    expect(api.searchPatients).toHaveBeenCalledWith("acc-1", "ada", 1);

    await act(async () => answer.resolve(page([patient("Ada", "Moss")])));
    expect(screen.getByRole("option", { name: /Ada Moss/ })).toBeTruthy();
    expect(screen.queryByText("Searching…")).toBeNull();
  });

  it("one letter says what is needed and searches nothing", async () => {
    const { api } = setup({ searchPatients: vi.fn(() => Promise.resolve(page([]))) });
    const input = screen.getByRole("combobox", { name: "Patient" });
    act(() => input.focus());
    fireEvent.change(input, { target: { value: "a" } });
    expect(screen.getByRole("status").textContent).toBe("Type at least 2 letters of a name or email.");
    await new Promise((r) => setTimeout(r, 350));
    expect(api.searchPatients).not.toHaveBeenCalled();
  });

  it("loads further pages with More and adds them to the list", async () => {
    const searchPatients = vi.fn((_id: string, _q: string, n: number) =>
      Promise.resolve(n === 1 ? page([patient("Ada", "Moss"), patient("Adam", "Ray")], 1, 2) : page([patient("Adele", "Fox")], 2, 2)),
    );
    setup({ searchPatients });
    await userEvent.type(screen.getByRole("combobox"), "ad");
    await screen.findByRole("option", { name: /Ada Moss/ });

    await userEvent.click(screen.getByRole("button", { name: "More" }));
    await screen.findByRole("option", { name: /Adele Fox/ });
    expect(searchPatients).toHaveBeenLastCalledWith("acc-1", "ad", 2);
    expect(screen.getAllByRole("option").map((o) => o.querySelector(".patient-list__name")?.textContent)).toEqual([
      "Ada Moss",
      "Adam Ray",
      "Adele Fox",
    ]);
    // The last page: no More.
    expect(screen.queryByRole("button", { name: "More" })).toBeNull();
  });

  it("shows a failed search in the API's words, and Try again searches again", async () => {
    const searchPatients = vi
      .fn<CompanionApi["searchPatients"]>()
      .mockRejectedValueOnce({ message: "Fullscript's search did not answer.", fix: "Try again in a minute.", detail: "503" })
      .mockResolvedValue(page([patient("Ada", "Moss")]));
    setup({ searchPatients });
    await userEvent.type(screen.getByRole("combobox"), "ada");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Fullscript's search did not answer.");
    expect(alert.textContent).toContain("Try again in a minute.");

    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findByRole("option", { name: /Ada Moss/ });
    expect(searchPatients).toHaveBeenCalledTimes(2);
  });

  it("offline: search is off, recent patients still work", async () => {
    const { api, search } = setup({ recentPatients: vi.fn(() => Promise.resolve([patient("Ada", "Moss")])) }, false);
    expect((search as HTMLInputElement).disabled).toBe(true);

    await userEvent.click(screen.getByRole("button", { name: /Recent/ }));
    await userEvent.click(await screen.findByRole("button", { name: /Ada Moss/ }));
    expect(api.recentPatients).toHaveBeenCalledWith("acc-1");
    expect(chip()?.getAttribute("aria-label")).toBe("Clear patient Ada Moss");
    expect(api.searchPatients).not.toHaveBeenCalled();
  });

  it("arrows and Enter choose from the results; the chip's clear button brings the search back", async () => {
    setup({ searchPatients: vi.fn(() => Promise.resolve(page([patient("Ada", "Moss"), patient("Adam", "Ray")]))) });
    const input = screen.getByRole("combobox");
    await userEvent.type(input, "ad");
    await screen.findByRole("option", { name: /Adam Ray/ });

    await userEvent.keyboard("{ArrowDown}{ArrowDown}");
    expect(input.getAttribute("aria-activedescendant")).toBe(screen.getByRole("option", { name: /Adam Ray/ }).id);
    await userEvent.keyboard("{Enter}");
    expect(chip()?.getAttribute("aria-label")).toBe("Clear patient Adam Ray");
    expect(screen.queryByRole("combobox")).toBeNull();
    // The keyboard stays in the bar instead of falling back to the page, on
    // the chip, not on its clear button (one more Enter would undo the choice).
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("group", { name: "Patient Adam Ray" })));

    await userEvent.click(chip()!);
    expect(chip()).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("combobox"));
  });

  it("the results float only while the search has focus", async () => {
    setup({ searchPatients: vi.fn(() => Promise.resolve(page([patient("Ada", "Moss")]))) });
    const input = screen.getByRole("combobox");
    await userEvent.type(input, "ada");
    await screen.findByRole("option");
    await userEvent.tab();
    expect(screen.queryByRole("option")).toBeNull();
    expect(input.getAttribute("aria-expanded")).toBe("false");
    await userEvent.click(input);
    expect(screen.getByRole("option", { name: /Ada Moss/ })).toBeTruthy();
  });

  it("Esc clears the search", async () => {
    setup({ searchPatients: vi.fn(() => Promise.resolve(page([patient("Ada", "Moss")]))) });
    const input = screen.getByRole("combobox") as HTMLInputElement;
    await userEvent.type(input, "ada");
    await screen.findByRole("option");
    await userEvent.keyboard("{Escape}");
    expect(input.value).toBe("");
    expect(screen.queryByRole("option")).toBeNull();
    expect(input.getAttribute("aria-expanded")).toBe("false");
  });

  it("new patient: required fields are checked first, without a round trip", async () => {
    const { api } = setup();
    await userEvent.click(screen.getByRole("button", { name: "+ New patient" }));
    await userEvent.click(screen.getByRole("button", { name: "Use this patient" }));

    const first = screen.getByLabelText("First name");
    expect(first.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(first.getAttribute("aria-describedby")!)?.textContent).toBe("Enter the patient's first name.");
    expect(document.activeElement).toBe(first);
    expect(api.validatePatient).not.toHaveBeenCalled();
  });

  it("new patient: validatePatient's messages show next to their fields, focus on the first", async () => {
    const validatePatient = vi.fn<CompanionApi["validatePatient"]>(() =>
      Promise.resolve([
        { field: "mobileNumber", message: "Write the mobile number with its country code, e.g. +16045550123." },
        { field: "dateOfBirth", message: "The date of birth is in the future." },
      ]),
    );
    setup({ validatePatient });
    await userEvent.click(screen.getByRole("button", { name: "+ New patient" }));
    await userEvent.type(screen.getByLabelText("First name"), "Amos");
    await userEvent.type(screen.getByLabelText("Last name"), "Hart");
    await userEvent.type(screen.getByLabelText("Email"), "amos@example.com");
    fireEvent.change(screen.getByLabelText("Date of birth"), { target: { value: "2999-01-01" } });
    await userEvent.selectOptions(screen.getByLabelText("Sex"), "male");
    await userEvent.type(screen.getByLabelText("Mobile"), "555");
    await userEvent.click(screen.getByRole("button", { name: "Use this patient" }));

    const dob = screen.getByLabelText("Date of birth");
    await waitFor(() => expect(document.activeElement).toBe(dob));
    expect(validatePatient).toHaveBeenCalledWith({
      id: "",
      firstName: "Amos",
      lastName: "Hart",
      email: "amos@example.com",
      dateOfBirth: "2999-01-01",
      sex: "male",
      mobileNumber: "555",
    });
    expect(dob.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(dob.getAttribute("aria-describedby")!)?.textContent).toBe("The date of birth is in the future.");
    const mobile = screen.getByLabelText("Mobile");
    expect(document.getElementById(mobile.getAttribute("aria-describedby")!)?.textContent).toContain("country code");
    expect(screen.getByLabelText("Email").getAttribute("aria-invalid")).toBe("false");
    expect(chip()).toBeNull();
  });

  it("new patient: once valid, becomes the chosen patient", async () => {
    const { api } = setup();
    await userEvent.click(screen.getByRole("button", { name: "+ New patient" }));
    await userEvent.type(screen.getByLabelText("First name"), "Amos");
    await userEvent.type(screen.getByLabelText("Last name"), "Hart");
    await userEvent.type(screen.getByLabelText("Email"), "amos@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Use this patient" }));

    await waitFor(() => expect(chip()?.getAttribute("aria-label")).toBe("Clear patient Amos Hart"));
    expect(api.validatePatient).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("form", { name: "New patient" })).toBeNull();
    expect(screen.getByText(/new patient/)).toBeTruthy();
  });
});
