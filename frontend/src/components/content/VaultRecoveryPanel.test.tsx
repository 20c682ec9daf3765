import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../../api/CompanionApiContext";
import type { Backup } from "../../api/companionApi";
import { fakeApi, overviewWith } from "../../test/fakeApi";
import { VaultRecoveryPanel } from "./VaultRecoveryPanel";

const missing = {
  message: "Your saved sign-ins are missing: their file is gone or empty, though this folder's key shows it held them.",
  fix: "Restore the backup from 2 Dec 2026 15:04 (2 accounts; fullscript-companion restore), or start over.",
  detail: "the database /d/companion.db is missing or empty",
  code: "vault_broken",
};

const backups: Backup[] = [
  { name: "companion-20261202T150400.000Z.db", path: "/d/backups/a", takenAt: "2026-12-02T15:04:00Z", size: 40960, accounts: 2 },
  { name: "companion-20261201T090000.000Z.db", path: "/d/backups/b", takenAt: "2026-12-01T09:00:00Z", size: 40960, accounts: 1 },
];

function renderPanel(overrides: Parameters<typeof fakeApi>[1]) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), overrides);
  const onRecovered = vi.fn();
  render(
    <CompanionApiProvider api={api}>
      <VaultRecoveryPanel error={missing} onRecovered={onRecovered} />
    </CompanionApiProvider>,
  );
  return { api, onRecovered };
}

describe("VaultRecoveryPanel", () => {
  it("offers the newest backup first, and restoring it reopens the window", async () => {
    const { api, onRecovered } = renderPanel({
      backups: vi.fn(() => Promise.resolve(backups)),
      restoreBackup: vi.fn(() => Promise.resolve({ backup: backups[0]!, setAside: "/d/set-aside/x" })),
    });
    const restore = await screen.findByRole("button", { name: "Restore this backup" });
    expect(screen.getByRole("alert").textContent).toContain("(2 accounts)");
    expect(document.activeElement).toBe(restore);
    await userEvent.click(restore);
    expect(api.restoreBackup).toHaveBeenCalledWith("companion-20261202T150400.000Z.db");
    await waitFor(() => expect(onRecovered).toHaveBeenCalledTimes(1));
  });

  it("a restore that fails says why and keeps the way out", async () => {
    const { onRecovered } = renderPanel({
      backups: vi.fn(() => Promise.resolve(backups)),
      restoreBackup: vi.fn(() =>
        Promise.reject({ message: "Another Fullscript Companion is using the saved sign-ins, so they cannot be replaced now.", fix: "Close the other window.", detail: "in use" }),
      ),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Restore this backup" }));
    expect(await screen.findByText("Another Fullscript Companion is using the saved sign-ins, so they cannot be replaced now.")).toBeTruthy();
    expect(onRecovered).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Restore this backup" })).toBeTruthy();
  });

  it("with no backup, start over asks first and sets the files aside", async () => {
    const { api, onRecovered } = renderPanel({ startOver: vi.fn(() => Promise.resolve("/d/set-aside/start-over-1")) });
    expect(await screen.findByText(/There is no backup to restore/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Restore this backup" })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Start over…" }));
    const dialog = screen.getByRole("dialog", { name: "Start over?" });
    expect(dialog.textContent).toContain("not deleted");
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(api.startOver).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Start over…" }));
    await userEvent.click(screen.getByRole("button", { name: "Start over" }));
    expect(api.startOver).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(onRecovered).toHaveBeenCalledTimes(1));
  });
});
