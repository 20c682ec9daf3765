import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, HistoryEntry } from "../../api/companionApi";
import { account, deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { HistoryView } from "./HistoryView";

function entry(overrides: Partial<HistoryEntry>): HistoryEntry {
  return {
    id: "h-1",
    accountId: "acc-1",
    kind: "treatmentPlan.activated",
    at: "2030-03-01T10:00:00Z",
    patientId: "pat-1",
    patientName: "Jane Doe",
    planId: "plan-1",
    summary: "Magnesium Glycinate, Omega-3 Fish Oil; labs: Vitamin D, 25-hydroxy",
    ...overrides,
  };
}

function setup(history: CompanionApi["history"]) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), { history: vi.fn(history) });
  render(
    <CompanionApiProvider api={api}>
      <HistoryView account={account({ id: "acc-1" })} />
    </CompanionApiProvider>,
  );
  return api;
}

describe("HistoryView", () => {
  it("lists the account's entries newest first, in words", async () => {
    const api = setup(() =>
      Promise.resolve([
        entry({ id: "old", kind: "patient.selected", at: "2030-01-01T09:00:00Z", patientName: "Amos Hart", summary: "Patient selected" }),
        entry({ id: "new", at: "2030-03-01T10:00:00Z" }),
        // Written by an older version, the kind first: shown without it.
        entry({ id: "older", at: "2029-12-01T10:00:00Z", summary: "Treatment plan activated: 2 products" }),
        entry({ id: "browser", kind: "browser.opened", at: "2030-02-01T10:00:00Z", planId: "", summary: "Treatment plan opened in the browser for Dr. Ben Okafor" }),
      ]),
    );
    const rows = (await screen.findAllByRole("row")).slice(1);
    expect(api.history).toHaveBeenCalledWith("acc-1");
    expect(rows).toHaveLength(4);
    const [first, second, third, fourth] = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent));
    expect(first?.slice(1)).toEqual(["Treatment plan activated", "Jane Doe", "Magnesium Glycinate, Omega-3 Fish Oil; labs: Vitamin D, 25-hydroxy"]);
    expect(fourth?.slice(1)).toEqual(["Treatment plan activated", "Jane Doe", "2 products"]);
    expect(second?.slice(1)).toEqual(["Opened in the browser", "Jane Doe", "Treatment plan opened in the browser for Dr. Ben Okafor"]);
    expect(third?.slice(1)).toEqual(["Patient selected", "Amos Hart", ""]);
    // A readable local time, with the exact one kept for machines.
    const time = rows[0]!.querySelector("time")!;
    expect(time.getAttribute("dateTime")).toBe("2030-03-01T10:00:00Z");
    expect(time.textContent).toContain("2030");
    expect(time.textContent).not.toContain("T10:00");
  });

  it("says what will appear when there is nothing yet", async () => {
    setup(() => Promise.resolve([]));
    expect(await screen.findByText("Nothing yet: plans you activate, and screens opened in the browser, appear here, even offline.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows loading, then an error with Try again that loads again", async () => {
    const first = deferred<HistoryEntry[]>();
    const history = vi
      .fn<CompanionApi["history"]>()
      .mockReturnValueOnce(first.promise)
      .mockResolvedValue([entry({})]);
    const api = fakeApi(() => Promise.resolve(overviewWith()), { history });
    render(
      <CompanionApiProvider api={api}>
        <HistoryView account={account({ id: "acc-1" })} />
      </CompanionApiProvider>,
    );
    expect(screen.getByRole("status").textContent).toContain("Loading history…");
    first.reject({ message: "The app's data could not be read.", fix: "Restart the app.", detail: "sqlite: locked" });

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The app's data could not be read.");
    expect(alert.textContent).toContain("Restart the app.");
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Jane Doe")).toBeTruthy();
    expect(history).toHaveBeenCalledTimes(2);
  });
});
