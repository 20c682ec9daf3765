import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { WelcomePanel } from "./WelcomePanel";

describe("WelcomePanel", () => {
  it("starts a sign-in from its Add account button", async () => {
    const onAddAccount = vi.fn();
    render(<WelcomePanel environment="us-snd" onAddAccount={onAddAccount} online />);
    const add = screen.getByRole("button", { name: /Add account/ }) as HTMLButtonElement;
    expect(add.disabled).toBe(false);
    await userEvent.click(add);
    expect(onAddAccount).toHaveBeenCalledTimes(1);
  });

  it("says offline why it cannot sign in", () => {
    render(<WelcomePanel environment="us-snd" onAddAccount={vi.fn()} online={false} />);
    const add = screen.getByRole("button", { name: /Add account/ }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    expect(document.getElementById(add.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Offline: signing in needs the internet.",
    );
  });

  it("keeps the built-in sandbox's sign-in available offline", () => {
    render(<WelcomePanel environment="local" onAddAccount={vi.fn()} online={false} />);
    expect((screen.getByRole("button", { name: /Add account/ }) as HTMLButtonElement).disabled).toBe(false);
  });
});
