import { describe, expect, it } from "vitest";
import { account } from "../../test/fakeApi";
import { groupByClinic } from "./AccountList";

describe("groupByClinic", () => {
  it.each([
    { name: "no accounts", accounts: [], want: [] },
    {
      name: "two people at one clinic stay together in order",
      accounts: [account({ id: "1" }), account({ id: "2", clinicId: "c2", clinicName: "B" }), account({ id: "3" })],
      want: [
        ["Riverside Clinic", ["1", "3"]],
        ["B", ["2"]],
      ],
    },
    {
      name: "the same clinic id in two environments is two clinics",
      accounts: [account({ id: "1", environment: "us-snd" }), account({ id: "2", environment: "us" })],
      want: [
        ["Riverside Clinic", ["1"]],
        ["Riverside Clinic", ["2"]],
      ],
    },
  ])("$name", ({ accounts, want }) => {
    expect(groupByClinic(accounts).map((g) => [g.clinicName, g.accounts.map((a) => a.id)])).toEqual(want);
  });
});
