import { describe, expect, it } from "vitest";
import { toAppError, toOpenChoice, toOverview } from "./companionApi";

describe("toOpenChoice", () => {
  it.each([
    [{ setting: "automatic", opens: "window", reason: "r" }, { setting: "automatic", opens: "window", reason: "r" }],
    [{ setting: "browser", opens: "browser", reason: "r" }, { setting: "browser", opens: "browser", reason: "r" }],
    // Anything this build does not know opens in the browser, which works everywhere.
    [{ setting: "tabs", opens: "popup", reason: "r" }, { setting: "automatic", opens: "browser", reason: "r" }],
  ])("reads %j", (raw, want) => {
    expect(toOpenChoice(raw)).toEqual(want);
  });
});

describe("toOverview", () => {
  const base = { appVersion: "v1", environment: "local", dataDir: "/d", keyStorage: "key-file", keyStorageNote: "why", pendingSignOuts: 2 };
  const row = { id: "a", environment: "local", clinicId: "c", clinicName: "C", userName: "U", role: "staff", statusReason: "", label: "", isDefault: true };

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

  it("keeps the key storage and the pending sign-outs", () => {
    expect(toOverview({ ...base, accounts: null })).toMatchObject({ keyStorage: "key-file", keyStorageNote: "why", pendingSignOuts: 2 });
  });
});

describe("toAppError", () => {
  const fault = {
    message: "Something went wrong inside the app.",
    fix: "Try again. If it keeps happening, restart the app; the details help support.",
  };
  it.each([
    [
      "the Go side's error view",
      { message: "The app cannot open its data folder.", fix: "Move the file.", detail: "is a file" },
      { message: "The app cannot open its data folder.", fix: "Move the file.", detail: "is a file" },
    ],
    ["a Wails string", "error parsing arguments: bad", { ...fault, detail: "error parsing arguments: bad" }],
    [
      "a view with a code",
      { message: "Your browser did not open.", fix: "Set one.", detail: "exit 3", code: "browser_not_opened" },
      { message: "Your browser did not open.", fix: "Set one.", detail: "exit 3", code: "browser_not_opened" },
    ],
    ["an Error", new Error("boom"), { ...fault, detail: "boom" }],
    ["an empty string", "", { ...fault, detail: "" }],
    ["an object of another shape", { code: 1 }, { ...fault, detail: "" }],
    ["a view with an empty message", { message: "", fix: "", detail: "x" }, { ...fault, detail: "" }],
    ["null", null, { ...fault, detail: "" }],
  ])("reads %s", (_, err, want) => {
    expect(toAppError(err)).toEqual(want);
  });
});
