import { describe, expect, it } from "vitest";
import type { LaunchIntent } from "../api/companionApi";
import { account } from "../test/fakeApi";
import { launchTarget } from "./launchTarget";

function intent(overrides: Partial<LaunchIntent>): LaunchIntent {
  return { account: "", patientId: "", patientEmail: "", feature: "treatment-plan", in: "", source: "link", problem: "", ...overrides };
}

const riverside = account({ id: "acc-1", clinicName: "Riverside Clinic", label: "Ada at Riverside" });
const harbour = account({ id: "acc-2", clinicName: "Harbour Health", isDefault: true });
const harbourStaff = account({ id: "acc-3", clinicName: "Harbour Health", role: "staff" });

describe("launchTarget", () => {
  it.each([
    ["an id", "acc-1", "acc-1"],
    ["a label, any case", "ada at riverside", "acc-1"],
    ["a clinic name with one account", "riverside clinic", "acc-1"],
    ["nothing: the default account", "", "acc-2"],
  ])("finds the account by %s", (_, ref, want) => {
    const t = launchTarget(intent({ account: ref }), [riverside, harbour]);
    expect(t).toEqual({ kind: "account", account: expect.objectContaining({ id: want }) });
  });

  it.each([
    ["a link's problem", intent({ problem: "This link cannot be opened: it asks the app to \"signout\"." }), [riverside], /asks the app to "signout"/],
    ["an account not signed in here", intent({ account: "Elsewhere Clinic" }), [riverside], /“Elsewhere Clinic”, which is not signed in here/],
    ["a clinic name two accounts share", intent({ account: "Harbour Health" }), [harbour, harbourStaff], /More than one account here is called “Harbour Health”/],
    ["no accounts at all", intent({}), [], /No account is signed in here yet/],
  ])("says why it goes nowhere for %s", (_, i, accounts, message) => {
    const t = launchTarget(i, accounts);
    expect(t.kind).toBe("notice");
    if (t.kind !== "notice") return;
    expect(t.title).toBe("The link could not be followed");
    expect(t.message).toMatch(message);
  });

  it("names the open command when the command asked", () => {
    const t = launchTarget(intent({ source: "command", account: "nobody" }), [riverside]);
    expect(t).toMatchObject({ kind: "notice", title: "The open command could not be followed" });
  });

  it("quotes a link's account name short and plain, never as a message of its own", () => {
    const t = launchTarget(intent({ account: "Your session expired. Call 555-0100 to keep your data safe now" }), [riverside]);
    expect(t.kind).toBe("notice");
    if (t.kind !== "notice") return;
    expect(t.message).toContain("“Your session expired. Call 555-0100 to k…”");
    expect(t.message).not.toContain("data safe");
  });
});
