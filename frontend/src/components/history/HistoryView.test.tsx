import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { CompanionApi, HistoryPage, HistoryQuery } from "../../api/companionApi";
import { deferred, eventsStatus, fakeApi, historyItem, historyPage, overviewWith } from "../../test/fakeApi";
import { HistoryView } from "./HistoryView";

const planHere = historyItem({
  id: "app:1",
  at: "2030-03-01T10:00:00Z",
  patientId: "pat-1",
  patientName: "Jane Doe",
  personKey: "us-snd|clinic-1|ada",
  personName: "Dr. Ada Moss",
  summary: "Magnesium Glycinate, Omega-3 Fish Oil; labs: Vitamin D, 25-hydroxy",
});
const order = historyItem({
  id: "fs:e1",
  source: "fullscript",
  kind: "order.placed",
  category: "order",
  title: "Order placed",
  at: "2030-03-02T08:00:00Z",
  patientId: "pat-2",
  patientName: "Amos Kline",
  clinicKey: "us-snd|clinic-2",
  clinicName: "Northside",
  summary: "Vitamin D3 1000 IU",
  unread: true,
});
const unknown = historyItem({
  id: "fs:e2",
  source: "fullscript",
  kind: "clinic_key.rotated",
  category: "other",
  title: "Fullscript: clinic key rotated",
  at: "2030-02-01T08:00:00Z",
});

function setup(historyRecord: CompanionApi["historyRecord"], overrides: Partial<CompanionApi> = {}) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), { historyRecord: vi.fn(historyRecord), ...overrides });
  const onSeen = vi.fn();
  render(
    <CompanionApiProvider api={api}>
      <HistoryView onSeen={onSeen} />
    </CompanionApiProvider>,
  );
  return { api, onSeen, user: userEvent.setup() };
}

const full = (overrides: Partial<HistoryPage> = {}) =>
  historyPage({
    items: [order, planHere, unknown],
    unread: 1,
    clinics: [
      { value: "us-snd|clinic-2", label: "Northside" },
      { value: "us-snd|clinic-1", label: "Riverside Clinic" },
    ],
    people: [{ value: "us-snd|clinic-1|ada", label: "Dr. Ada Moss · Riverside Clinic" }],
    patients: [
      { value: "pat-2", label: "Amos Kline" },
      { value: "pat-1", label: "Jane Doe" },
    ],
    categories: [
      { value: "order", label: "Orders" },
      { value: "other", label: "Other" },
      { value: "plan", label: "Treatment plans" },
    ],
    checking: eventsStatus({ checkedAt: new Date(Date.now() - 120_000).toISOString() }),
    ...overrides,
  });

describe("HistoryView", () => {
  it("lists this app's entries and Fullscript's events in words, the new ones marked, and marks them seen", async () => {
    const { api, onSeen } = setup(() => Promise.resolve(full()));
    const rows = (await screen.findAllByRole("row")).slice(1);
    expect(rows).toHaveLength(3);
    const cells = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent));
    expect(cells[0]?.slice(1)).toEqual(["Order placedNewfrom Fullscript", "Amos Kline", "Northside", "Vitamin D3 1000 IU"]);
    expect(cells[1]?.slice(1)).toEqual([
      "Treatment plan activated",
      "Jane Doe",
      "Riverside Clinic · Dr. Ada Moss",
      "Magnesium Glycinate, Omega-3 Fish Oil; labs: Vitamin D, 25-hydroxy",
    ]);
    // A type the app does not know: shown by its name, never dropped.
    expect(cells[2]?.[1]).toContain("Fullscript: clinic key rotated");
    expect(screen.getByText("1 new from Fullscript since you last looked.")).toBeTruthy();
    expect(screen.getByText(/Checked Fullscript 2 min ago/)).toBeTruthy();
    // A readable local time, with the exact one kept for machines.
    const time = rows[0]!.querySelector("time")!;
    expect(time.getAttribute("dateTime")).toBe("2030-03-02T08:00:00Z");
    expect(time.textContent).not.toContain("T08:00");
    await vi.waitFor(() => expect(api.markHistorySeen).toHaveBeenCalled());
    await vi.waitFor(() => expect(onSeen).toHaveBeenCalled());
  });

  it.each([
    ["Clinic", "Northside", { clinic: "us-snd|clinic-2" }],
    ["Person", "Dr. Ada Moss · Riverside Clinic", { person: "us-snd|clinic-1|ada" }],
    ["Patient", "Jane Doe", { patientId: "pat-1" }],
    ["Kind", "Orders", { category: "order" }],
  ] as const)("filters by %s", async (label, option, want) => {
    const { api, user } = setup(() => Promise.resolve(full()));
    await screen.findAllByRole("row");
    await user.selectOptions(screen.getByLabelText(label), option);
    const asked = { clinic: "", person: "", patientId: "", category: "", limit: 0, ...want } satisfies HistoryQuery;
    await vi.waitFor(() => expect(api.historyRecord).toHaveBeenLastCalledWith(asked));
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await vi.waitFor(() => expect(api.historyRecord).toHaveBeenLastCalledWith({ clinic: "", person: "", patientId: "", category: "", limit: 0 }));
  });

  it("checks now, and shows what a check stored while open", async () => {
    const pages = [historyPage({ checking: eventsStatus() }), full({ checking: eventsStatus({ checkedAt: new Date().toISOString() }) })];
    const historyRecord = vi.fn<CompanionApi["historyRecord"]>(() => Promise.resolve(pages.shift() ?? full()));
    const checkEventsNow = vi.fn<CompanionApi["checkEventsNow"]>(() => Promise.resolve(eventsStatus({ checkedAt: new Date().toISOString() })));
    const { api, user } = setup(historyRecord, { checkEventsNow });
    expect(await screen.findByText(/Nothing yet/)).toBeTruthy();
    expect(screen.getByText(/Not checked Fullscript yet/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Check now" }));
    expect(checkEventsNow).toHaveBeenCalledTimes(1);
    expect(await screen.findByRole("cell", { name: "Amos Kline" })).toBeTruthy();
    expect(screen.getByText(/Checked Fullscript just now/)).toBeTruthy();
    // A check by the poller while History is open reloads it, and what it
    // brought is seen (the count alone may not change).
    const seen = vi.mocked(api.markHistorySeen).mock.calls.length;
    act(() => api.emitHistory());
    await vi.waitFor(() => expect(historyRecord).toHaveBeenCalledTimes(3));
    await vi.waitFor(() => expect(vi.mocked(api.markHistorySeen).mock.calls.length).toBeGreaterThan(seen));
  });

  it.each([
    ["offline", eventsStatus({ offline: true, checkedAt: "2030-01-01T00:00:00Z" }), /Fullscript cannot be reached; the app checks again when it can/],
    ["asked to wait", eventsStatus({ waitUntil: "2030-01-01T10:00:00Z" }), /Fullscript asked the app to wait/],
  ])("says when it is %s", async (_, checking, text) => {
    setup(() => Promise.resolve(full({ checking })));
    expect(await screen.findByText(text)).toBeTruthy();
    expect(screen.getAllByRole("row")).toHaveLength(4); // what is kept stays readable
  });

  it("says what will appear when there is nothing yet, and when filters match nothing", async () => {
    const historyRecord = vi.fn<CompanionApi["historyRecord"]>().mockResolvedValueOnce(full()).mockResolvedValue(historyPage({ clinics: full().clinics }));
    const { user } = setup(historyRecord);
    await screen.findAllByRole("row");
    await user.selectOptions(screen.getByLabelText("Clinic"), "Northside");
    expect(await screen.findByText("Nothing matches these filters.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
    // Filters cleared by hand: History is empty, not "filtered".
    await user.selectOptions(screen.getByLabelText("Clinic"), "All clinics");
    expect(await screen.findByText(/^Nothing yet:/)).toBeTruthy();
  });

  it("loads again when accounts come or go (a sign-out may take its history)", async () => {
    const api = fakeApi(() => Promise.resolve(overviewWith()));
    const { rerender } = render(
      <CompanionApiProvider api={api}>
        <HistoryView accountsKey="a,b" />
      </CompanionApiProvider>,
    );
    await vi.waitFor(() => expect(api.historyRecord).toHaveBeenCalledTimes(1));
    rerender(
      <CompanionApiProvider api={api}>
        <HistoryView accountsKey="a" />
      </CompanionApiProvider>,
    );
    await vi.waitFor(() => expect(api.historyRecord).toHaveBeenCalledTimes(2));
  });

  it("says how many entries could not be read", async () => {
    setup(() => Promise.resolve(full({ unreadable: 2 })));
    expect(await screen.findByText("2 entries could not be read on this computer and are not shown.")).toBeTruthy();
  });

  it("shows loading, then an error with Try again that loads again", async () => {
    const first = deferred<HistoryPage>();
    const historyRecord = vi.fn<CompanionApi["historyRecord"]>().mockReturnValueOnce(first.promise).mockResolvedValue(full());
    setup(historyRecord);
    expect(screen.getByRole("status").textContent).toContain("Loading history…");
    first.reject({ message: "The app's data could not be read.", fix: "Restart the app.", detail: "sqlite: locked" });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The app's data could not be read.");
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("cell", { name: "Jane Doe" })).toBeTruthy();
    expect(historyRecord).toHaveBeenCalledTimes(2);
  });
});
