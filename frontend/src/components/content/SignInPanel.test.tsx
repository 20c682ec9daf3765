import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SignInPanel } from "./SignInPanel";

describe("SignInPanel", () => {
  it("an environment not set up is explained in the window's words, with Settings as the way out", async () => {
    const onOpenSettings = vi.fn();
    const onRetry = vi.fn();
    render(
      <SignInPanel
        phase="error"
        environment="us-snd"
        error={{
          message: "No client id, client secret or redirect URI is set for Fullscript's US sandbox.",
          fix: "Set them in Settings, with --client-id and --redirect-uri, or in the FULLSCRIPT_CLIENT_ID, FULLSCRIPT_CLIENT_SECRET and FULLSCRIPT_REDIRECT_URI environment variables.",
          detail: "usage: client id, client secret, redirect URI missing for us-snd",
          code: "settings_missing",
        }}
        onCancel={vi.fn()}
        onRetry={onRetry}
        onOpenSettings={onOpenSettings}
      />,
    );
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("No client id, client secret or redirect URI is set for Fullscript's US sandbox.");
    expect(alert.textContent).toContain("Open Settings, choose US sandbox, and fill in what Fullscript's API Dashboard shows for your app.");
    // Not the command line's flags and variables, and no Try again that would fail the same way.
    expect(alert.textContent).not.toContain("--client-id");
    expect(alert.textContent).not.toContain("FULLSCRIPT_CLIENT_ID");
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
    const open = screen.getByRole("button", { name: "Open Settings" });
    expect(document.activeElement).toBe(open);
    await userEvent.click(open);
    expect(onOpenSettings).toHaveBeenCalledTimes(1);
  });

  it("any other failure keeps its fix and Try again", () => {
    render(
      <SignInPanel phase="error" environment="local" error={{ message: "The sign-in timed out.", fix: "Try again.", detail: "" }} onCancel={vi.fn()} onRetry={vi.fn()} onOpenSettings={vi.fn()} />,
    );
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Open Settings" })).toBeNull();
  });
});
