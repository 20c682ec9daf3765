import { describe, expect, it } from "vitest";
import { errorMessage, toOverview } from "./companionApi";

describe("toOverview", () => {
  const base = { appVersion: "v1", environment: "local", dataDir: "/d" };
  const row = { id: "a", environment: "local", clinicId: "c", clinicName: "C", userName: "U", role: "staff" };

  it.each([
    ["valid", "valid"],
    ["expiring", "expiring"],
    ["needs_sign_in", "needs_sign_in"],
    ["revoked_somehow", "needs_sign_in"],
    ["", "needs_sign_in"],
  ])("maps status %j to %j", (status, want) => {
    expect(toOverview({ ...base, accounts: [{ ...row, status }] }).accounts[0]?.status).toBe(want);
  });

  it("turns a null account list into an empty one", () => {
    expect(toOverview({ ...base, accounts: null }).accounts).toEqual([]);
  });
});

describe("errorMessage", () => {
  it.each([
    ["a Go error string", "open vault: locked", "open vault: locked"],
    ["an Error", new Error("boom"), "boom"],
    ["an empty string", "", "Something went wrong inside the app."],
    ["something else", { code: 1 }, "Something went wrong inside the app."],
  ])("reads %s", (_, err, want) => {
    expect(errorMessage(err)).toBe(want);
  });
});
