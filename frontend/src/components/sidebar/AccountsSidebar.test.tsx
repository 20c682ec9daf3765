import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { Account, CompanionApi, Overview, SignOutResult } from "../../api/companionApi";
import { account, deferred, fakeApi, overviewWith } from "../../test/fakeApi";
import { AccountsSidebar, type AccountsSidebarProps } from "./AccountsSidebar";

const ada = account({ id: "acc-1", userName: "Dr. Ada Moss", clinicName: "Riverside Clinic" });

function signOutResult(a: Account, outcome: Partial<Pick<SignOutResult, "revoked" | "queued">>): SignOutResult {
  return {
    account: {
      id: a.id,
      env: a.environment,
      clinic_id: a.clinicId,
      clinic_name: a.clinicName,
      user_id: "user-1",
      user_type: a.role,
      user_name: a.userName,
      label: a.label,
      default: a.isDefault,
      status: a.status,
    },
    revoked: false,
    queued: false,
    ...outcome,
  };
}

function renderSidebar(
  overview: Overview,
  overrides: Partial<CompanionApi> = {},
  props: Partial<AccountsSidebarProps> = {},
) {
  const api = fakeApi(() => Promise.resolve(overview), overrides);
  const handlers = {
    onSelect: vi.fn(),
    onNavigate: vi.fn(),
    onAddAccount: vi.fn(),
    onSignInAgain: vi.fn(),
    onChanged: vi.fn(),
  };
  render(
    <CompanionApiProvider api={api}>
      <AccountsSidebar
        state={{ status: "ready", overview }}
        selectedId={null}
        online
        activeView="account"
        {...handlers}
        {...props}
      />
    </CompanionApiProvider>,
  );
  return { api, ...handlers, user: userEvent.setup() };
}

async function openAction(user: ReturnType<typeof userEvent.setup>, name: string, item: string) {
  await user.click(screen.getByRole("button", { name: `Actions for ${name}` }));
  await user.click(screen.getByRole("menuitem", { name: item }));
}

describe("AccountsSidebar rows", () => {
  it("leads with the label, keeps the person's name, and says role, other environment and default", () => {
    renderSidebar(
      overviewWith(
        [
          account({ id: "a1", label: "Ada (mornings)", isDefault: true, environment: "us-snd" }),
          account({ id: "a2", userName: "Sam", role: "staff", environment: "us-snd" }),
          account({ id: "a3", clinicId: "c9", clinicName: "Production Clinic", environment: "us" }),
        ],
        { environment: "us-snd" },
      ),
    );
    const [first, second] = within(screen.getByRole("region", { name: "Riverside Clinic" })).getAllByRole("listitem");
    // Same environment as the app: not repeated. The label leads, the name follows.
    expect(first?.textContent).toBe("Ada (mornings)Dr. Ada Moss · PractitionerDefault");
    expect(second?.textContent).toBe("SamStaff");
    // Another environment than the app's: said on the row.
    expect(within(screen.getByRole("region", { name: "Production Clinic" })).getByRole("listitem").textContent).toBe(
      "Dr. Ada MossPractitioner · US",
    );
  });

  it("offers Sign in again on a row that needs it, and only there", async () => {
    const stale = account({ id: "a2", clinicId: "c2", clinicName: "Northside Clinic", status: "needs_sign_in" });
    const { user, onSignInAgain } = renderSidebar(overviewWith([ada, stale]));

    const northside = screen.getByRole("region", { name: "Northside Clinic" });
    expect(within(northside).getByText("Needs sign-in")).toBeTruthy();
    expect(within(screen.getByRole("region", { name: "Riverside Clinic" })).queryByRole("button", { name: "Sign in again" })).toBeNull();

    await user.click(within(northside).getByRole("button", { name: "Sign in again" }));
    expect(onSignInAgain).toHaveBeenCalledWith(stale);
  });

  it("disables Sign in again offline, except for the built-in sandbox", () => {
    renderSidebar(
      overviewWith([
        account({ id: "a1", status: "needs_sign_in", environment: "us-snd" }),
        account({ id: "a2", clinicId: "c2", clinicName: "Local Clinic", status: "needs_sign_in", environment: "local" }),
      ]),
      {},
      { online: false },
    );
    const remote = within(screen.getByRole("region", { name: "Riverside Clinic" })).getByRole("button", { name: "Sign in again" });
    const local = within(screen.getByRole("region", { name: "Local Clinic" })).getByRole("button", { name: "Sign in again" });
    expect((remote as HTMLButtonElement).disabled).toBe(true);
    expect(remote.getAttribute("title")).toBe("Offline: signing in needs the internet.");
    expect((local as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("AccountsSidebar actions menu", () => {
  it("opens from the keyboard, moves with the arrows and closes with Esc back on its button", async () => {
    const { user } = renderSidebar(overviewWith([ada]));
    const button = screen.getByRole("button", { name: "Actions for Dr. Ada Moss" });
    expect(button.getAttribute("aria-expanded")).toBe("false");

    button.focus();
    await user.keyboard("{Enter}");
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual(["Rename…", "Set as default", "Sign out…"]);
    expect(document.activeElement).toBe(screen.getByRole("menuitem", { name: "Rename…" }));

    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toBe(screen.getByRole("menuitem", { name: "Set as default" }));
    await user.keyboard("{ArrowUp}{ArrowUp}");
    expect(document.activeElement).toBe(screen.getByRole("menuitem", { name: "Sign out…" }));

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it("closes on a click elsewhere", async () => {
    const { user } = renderSidebar(overviewWith([ada]));
    await user.click(screen.getByRole("button", { name: "Actions for Dr. Ada Moss" }));
    expect(screen.getByRole("menu")).toBeTruthy();
    await user.click(screen.getByText("Riverside Clinic"));
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("renames with the trimmed label, then asks for a reload", async () => {
    const renameAccount = vi.fn<CompanionApi["renameAccount"]>((id, label) => Promise.resolve({ ...ada, id, label }));
    const { user, onChanged } = renderSidebar(overviewWith([account({ ...ada, label: "Old" })]), { renameAccount });

    await openAction(user, "Old", "Rename…");
    const dialog = screen.getByRole("dialog", { name: "Rename Dr. Ada Moss" });
    const field = within(dialog).getByRole("textbox", { name: "Name shown in the list" }) as HTMLInputElement;
    expect(field.value).toBe("Old");
    expect(field.maxLength).toBe(60);
    expect(document.activeElement).toBe(field);

    await user.clear(field);
    await user.type(field, "  Ada, mornings  ");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(renameAccount).toHaveBeenCalledWith("acc-1", "Ada, mornings");
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps the rename dialog open with the reason when renaming fails", async () => {
    const renameAccount = vi.fn<CompanionApi["renameAccount"]>(() =>
      Promise.reject({ message: "That name is too long.", fix: "Use at most 60 characters.", detail: "label too long" }),
    );
    const { user, onChanged } = renderSidebar(overviewWith([ada]), { renameAccount });

    await openAction(user, "Dr. Ada Moss", "Rename…");
    await user.type(screen.getByRole("textbox"), "x");
    await user.keyboard("{Enter}");

    const alert = await within(screen.getByRole("dialog")).findByRole("alert");
    expect(alert.textContent).toContain("That name is too long.");
    expect(alert.textContent).toContain("Use at most 60 characters.");
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("Esc closes the rename dialog without saving", async () => {
    const { user, api } = renderSidebar(overviewWith([ada]));
    await openAction(user, "Dr. Ada Moss", "Rename…");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(api.renameAccount).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Actions for Dr. Ada Moss" }));
  });

  it("sets the default, says so, and asks for a reload; the default shows a marker and no such action", async () => {
    const setDefaultAccount = vi.fn<CompanionApi["setDefaultAccount"]>(() => Promise.resolve({ ...ada, isDefault: true }));
    const sam = account({ id: "acc-2", userName: "Sam", role: "staff", isDefault: true });
    const { user, onChanged } = renderSidebar(overviewWith([ada, sam]), { setDefaultAccount });

    const [adaRow, samRow] = screen.getAllByRole("listitem");
    expect(adaRow?.textContent).not.toContain("Default");
    expect(samRow?.textContent).toContain("Default");

    await openAction(user, "Dr. Ada Moss", "Set as default");
    expect(setDefaultAccount).toHaveBeenCalledWith("acc-1");
    expect((await screen.findByRole("status")).textContent).toContain("Dr. Ada Moss at Riverside Clinic is now the default");
    expect(onChanged).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole("button", { name: "Actions for Sam" }));
    expect(screen.queryByRole("menuitem", { name: "Set as default" })).toBeNull();
  });

  it("shows why setting the default failed", async () => {
    const setDefaultAccount = vi.fn<CompanionApi["setDefaultAccount"]>(() =>
      Promise.reject({ message: "That account is not on this computer any more.", fix: "Refresh the list of accounts.", detail: "" }),
    );
    const { user, onChanged } = renderSidebar(overviewWith([ada]), { setDefaultAccount });
    await openAction(user, "Dr. Ada Moss", "Set as default");
    expect((await screen.findByRole("alert")).textContent).toContain("Refresh the list of accounts.");
    expect(onChanged).not.toHaveBeenCalled();
  });
});

describe("AccountsSidebar sign-out", () => {
  it("names the person and clinic and what happens; Cancel does nothing", async () => {
    const { user, api, onChanged } = renderSidebar(overviewWith([account({ ...ada, label: "Ada" })]));
    await openAction(user, "Ada", "Sign out…");

    const dialog = screen.getByRole("dialog", { name: "Sign out Dr. Ada Moss?" });
    expect(dialog.textContent).toContain("Dr. Ada Moss at Riverside Clinic");
    expect(dialog.textContent).toContain("revoked at Fullscript now");
    // The safe choice has the focus.
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));

    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(api.signOut).not.toHaveBeenCalled();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("says offline that the sign-in is removed now and revoked later", async () => {
    const { user } = renderSidebar(overviewWith([ada]), {}, { online: false });
    await openAction(user, "Dr. Ada Moss", "Sign out…");
    expect(screen.getByRole("dialog").textContent).toContain(
      "removed here now and revoked when you are back online",
    );
  });

  it.each([
    { outcome: { revoked: true }, want: "Dr. Ada Moss at Riverside Clinic is signed out. Fullscript has revoked the sign-in." },
    { outcome: { queued: true }, want: "will be revoked when it can be" },
  ])("confirms, signs out and says what happened: $outcome", async ({ outcome, want }) => {
    const pending = deferred<SignOutResult>();
    const signOut = vi.fn<CompanionApi["signOut"]>(() => pending.promise);
    const { user, onChanged } = renderSidebar(overviewWith([ada]), { signOut });
    await openAction(user, "Dr. Ada Moss", "Sign out…");

    const dialog = screen.getByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Sign out" }));
    expect(dialog.textContent).toContain("Its history stays in History, readable on this computer.");
    expect(signOut).toHaveBeenCalledWith("acc-1", false);
    expect(within(dialog).getByRole("button", { name: "Signing out…" })).toHaveProperty("disabled", true);
    expect(onChanged).not.toHaveBeenCalled();

    await act(async () => pending.resolve(signOutResult(ada, outcome)));
    expect(screen.getByRole("dialog", { name: "Signed out" }).textContent).toContain(want);
    expect(screen.getByRole("dialog", { name: "Signed out" }).textContent).toContain("Its history stays in History.");
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));

    await user.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("removes the account and its history when asked, and says so", async () => {
    const signOut = vi.fn<CompanionApi["signOut"]>(() => Promise.resolve({ ...signOutResult(ada, { revoked: true }), historyRemoved: true }));
    const { user } = renderSidebar(overviewWith([ada]), { signOut });
    await openAction(user, "Dr. Ada Moss", "Sign out…");
    const dialog = screen.getByRole("dialog");
    await user.click(within(dialog).getByRole("checkbox", { name: "Remove the account and its history" }));
    expect(dialog.textContent).toContain("will be deleted from this computer");
    await user.click(within(dialog).getByRole("button", { name: "Sign out and remove" }));
    expect(signOut).toHaveBeenCalledWith("acc-1", true);
    expect((await screen.findByRole("dialog", { name: "Signed out" })).textContent).toContain("Its history was removed from this computer.");
  });

  it("keeps the account and explains when signing out fails", async () => {
    const signOut = vi.fn<CompanionApi["signOut"]>(() =>
      Promise.reject({ message: "The app could not sign out.", fix: "Try again.", detail: "disk full" }),
    );
    const { user, onChanged } = renderSidebar(overviewWith([ada]), { signOut });
    await openAction(user, "Dr. Ada Moss", "Sign out…");
    await user.click(screen.getByRole("button", { name: "Sign out" }));

    const dialog = screen.getByRole("dialog", { name: "Sign out Dr. Ada Moss?" });
    expect((await within(dialog).findByRole("alert")).textContent).toContain("The app could not sign out.");
    expect(within(dialog).getByRole("button", { name: "Try again" })).toBeTruthy();
    expect(onChanged).not.toHaveBeenCalled();
  });
});

describe("AccountsSidebar notes and navigation", () => {
  it("warns about the key file only when sign-ins are kept in one", () => {
    const note = "The system keyring is turned off; the key file is /home/ada/.config/fullscript-companion/key.";
    renderSidebar(overviewWith([ada], { keyStorage: "key-file", keyStorageNote: note }));
    const warning = screen.getByRole("note");
    expect(warning.textContent).toContain("Sign-ins are kept in a key file, not the system keyring.");
    expect(warning.textContent).toContain(note);
  });

  it("shows no key-file warning with the system keyring", () => {
    renderSidebar(overviewWith([ada], { keyStorage: "os-keyring" }));
    expect(screen.queryByText(/key file/)).toBeNull();
  });

  it("counts sign-outs waiting for Fullscript, and sends them on request", async () => {
    const retryPendingSignOuts = vi.fn<CompanionApi["retryPendingSignOuts"]>(() => Promise.resolve(2));
    const { user, onChanged } = renderSidebar(overviewWith([ada], { pendingSignOuts: 2 }), { retryPendingSignOuts });
    expect(screen.getByText("2 sign-outs will be sent to Fullscript when it can be reached.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Send now" }));
    expect(retryPendingSignOuts).toHaveBeenCalledTimes(1);
    expect((await screen.findByRole("status")).textContent).toContain("2 sign-outs sent to Fullscript.");
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("says nothing about sign-outs when none wait, and one in the singular", () => {
    renderSidebar(overviewWith([ada], { pendingSignOuts: 0 }));
    expect(screen.queryByText(/will be sent to Fullscript/)).toBeNull();
    cleanup();
    renderSidebar(overviewWith([ada], { pendingSignOuts: 1 }), {}, { online: false });
    expect(screen.getByText("1 sign-out will be sent to Fullscript when it can be reached.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Send now" })).toBeNull();
  });

  it("disables Add account offline and says why", async () => {
    const { onAddAccount } = renderSidebar(overviewWith([ada], { environment: "us-snd" }), {}, { online: false });
    const add = screen.getByRole("button", { name: /Add account/ }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    const reason = document.getElementById(add.getAttribute("aria-describedby") ?? "");
    expect(reason?.textContent).toBe("Offline: signing in needs the internet.");
    expect(screen.getByText("Offline: signing in needs the internet.")).toBeTruthy();
    expect(onAddAccount).not.toHaveBeenCalled();
  });

  it("keeps Add account enabled online, and offline for the built-in sandbox", async () => {
    const { user, onAddAccount } = renderSidebar(overviewWith([ada], { environment: "us-snd" }));
    await user.click(screen.getByRole("button", { name: /Add account/ }));
    expect(onAddAccount).toHaveBeenCalledTimes(1);
    expect(screen.queryByText(/Offline/)).toBeNull();

    cleanup();
    renderSidebar(overviewWith([ada], { environment: "local" }), {}, { online: false });
    expect((screen.getByRole("button", { name: /Add account/ }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("marks the active view and navigates", async () => {
    const { user, onNavigate } = renderSidebar(overviewWith([ada]), {}, { activeView: "settings" });
    const nav = screen.getByRole("navigation", { name: "App" });
    expect(within(nav).getAllByRole("button").map((b) => [b.textContent, b.getAttribute("aria-current")])).toEqual([
      ["History", null],
      ["Settings", "page"],
      ["Diagnostics", null],
    ]);
    await user.click(within(nav).getByRole("button", { name: "Diagnostics" }));
    expect(onNavigate).toHaveBeenCalledWith("diagnostics");
  });

  it.each([
    [0, "History"],
    [3, "History 3 new"],
    [120, "History 120 new"],
  ])("shows %i new events from Fullscript on History", (n, name) => {
    renderSidebar(overviewWith([ada]), {}, { unreadHistory: n });
    const nav = screen.getByRole("navigation", { name: "App" });
    expect(within(nav).getByRole("button", { name })).toBeTruthy();
    if (n > 99) expect(within(nav).getByText("99+")).toBeTruthy();
  });
});
