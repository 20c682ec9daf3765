import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi } from "../../api/companionApi";
import { fakeApi, overviewWith } from "../../test/fakeApi";
import { HistorySettings } from "./HistorySettings";

function setup(overrides: Partial<CompanionApi> = {}) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), overrides);
  render(
    <CompanionApiProvider api={api}>
      <HistorySettings />
    </CompanionApiProvider>,
  );
  return { api, user: userEvent.setup() };
}

describe("HistorySettings", () => {
  it("saves the interval and the notification switch as they change", async () => {
    const { api, user } = setup();
    const every = await screen.findByLabelText("Check Fullscript for orders, lab results and plans");
    expect((every as HTMLSelectElement).value).toBe("300");
    await user.selectOptions(every, "Every 15 minutes");
    expect(api.saveEventSettings).toHaveBeenLastCalledWith({ everySec: 900, notify: true });
    expect(await screen.findByText("Saved")).toBeTruthy();
    await user.click(screen.getByRole("checkbox", { name: /desktop notification/ }));
    expect(api.saveEventSettings).toHaveBeenLastCalledWith({ everySec: 900, notify: false });
  });

  it("shows an interval set outside the list (a demo's 5 seconds) as it is", async () => {
    setup({ eventSettings: vi.fn(() => Promise.resolve({ everySec: 5, notify: false })) });
    const every = (await screen.findByLabelText("Check Fullscript for orders, lab results and plans")) as HTMLSelectElement;
    expect(every.selectedOptions[0]?.textContent).toBe("Every 5 seconds");
    expect((screen.getByRole("checkbox", { name: /desktop notification/ }) as HTMLInputElement).checked).toBe(false);
  });

  it("says why a save failed", async () => {
    const { user } = setup({ saveEventSettings: vi.fn(() => Promise.reject({ message: "The settings could not be saved.", fix: "Try again.", detail: "" })) });
    await user.selectOptions(await screen.findByLabelText("Check Fullscript for orders, lab results and plans"), "Every minute");
    expect((await screen.findByRole("alert")).textContent).toContain("The settings could not be saved.");
  });
});
