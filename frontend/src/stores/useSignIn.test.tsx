import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompanionApiProvider } from "../api/CompanionApiContext";
import type { Account, CompanionApi } from "../api/companionApi";
import { SignInPanel } from "../components/content/SignInPanel";
import { account, deferred, fakeApi, overviewWith } from "../test/fakeApi";
import { useSignIn } from "./useSignIn";

/** The hook as the integrator wires it: a start button, the panel while it is busy, the result after. */
function Harness({ onSignedIn }: { onSignedIn?: ((a: Account) => void) | undefined }) {
  const signIn = useSignIn({ onSignedIn });
  return (
    <>
      <button type="button" onClick={() => signIn.start("us-snd")}>
        Add account
      </button>
      <p data-testid="phase">{signIn.phase}</p>
      {signIn.account && <p>Signed in as {signIn.account.userName}</p>}
      {(signIn.phase === "waiting" || signIn.phase === "error") && (
        <SignInPanel
          phase={signIn.phase}
          error={signIn.error ?? undefined}
          environment={signIn.environment}
          onCancel={signIn.cancel}
          onRetry={signIn.retry}
        />
      )}
    </>
  );
}

function setup(signIn: CompanionApi["signIn"], onSignedIn?: (a: Account) => void) {
  const api = fakeApi(() => Promise.resolve(overviewWith()), { signIn: vi.fn(signIn) });
  const { unmount } = render(
    <CompanionApiProvider api={api}>
      <Harness onSignedIn={onSignedIn} />
    </CompanionApiProvider>,
  );
  return { api, unmount, user: userEvent.setup(), phase: () => screen.getByTestId("phase").textContent };
}

describe("useSignIn with SignInPanel", () => {
  it("waits for the browser, then hands over the new account", async () => {
    const pending = deferred<Account>();
    const onSignedIn = vi.fn();
    const { api, user, phase } = setup(() => pending.promise, onSignedIn);
    expect(phase()).toBe("idle");

    await user.click(screen.getByRole("button", { name: "Add account" }));
    expect(api.signIn).toHaveBeenCalledWith("us-snd");
    expect(phase()).toBe("waiting");
    const wait = screen.getByRole("status");
    expect(wait.textContent).toContain(
      "Sign in to Fullscript in the browser window that opened. It says when you can come back here.",
    );
    expect(wait.querySelector(".spinner")).toBeTruthy();
    expect(screen.getByText(/Signing in to Fullscript/).textContent).toContain("US sandbox");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));

    const ada = account({ id: "new-1" });
    await act(async () => pending.resolve(ada));
    expect(phase()).toBe("done");
    expect(screen.getByText("Signed in as Dr. Ada Moss")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
    expect(onSignedIn).toHaveBeenCalledWith(ada);
  });

  it.each(["the Cancel button", "Esc"])("cancels with %s, and the cancelled call's failure is not an error", async (how) => {
    const pending = deferred<Account>();
    const { api, user, phase } = setup(() => pending.promise);
    await user.click(screen.getByRole("button", { name: "Add account" }));

    if (how === "Esc") await user.keyboard("{Escape}");
    else await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(api.cancelSignIn).toHaveBeenCalledTimes(1);
    expect(phase()).toBe("idle");

    // The Go side answers the cancelled SignIn with an error; it must not show.
    await act(async () =>
      pending.reject({ message: "The sign-in was cancelled.", fix: "Sign in again when ready.", detail: "context canceled" }),
    );
    expect(phase()).toBe("idle");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("explains a failed sign-in with its fix, and tries again on request", async () => {
    let calls = 0;
    const { api, user, phase } = setup(() =>
      ++calls === 1
        ? Promise.reject({
            message: "Fullscript did not accept the app's redirect URI.",
            fix: "Register http://127.0.0.1:8765/callback for the app in Fullscript's API Dashboard.",
            detail: "authorize: 404 (request id 7f3a)",
          })
        : new Promise<Account>(() => {}),
    );
    await user.click(screen.getByRole("button", { name: "Add account" }));

    const alert = await screen.findByRole("alert");
    expect(phase()).toBe("error");
    expect(within(alert).getByRole("heading").textContent).toBe("Fullscript did not accept the app's redirect URI.");
    expect(alert.textContent).toContain("Register http://127.0.0.1:8765/callback");
    const details = alert.querySelector("details");
    expect(details?.open).toBe(false);
    expect(details?.textContent).toContain("request id 7f3a");
    expect(document.activeElement).toBe(within(alert).getByRole("button", { name: "Try again" }));

    await user.keyboard("{Enter}");
    expect(api.signIn).toHaveBeenCalledTimes(2);
    expect(api.signIn).toHaveBeenLastCalledWith("us-snd");
    expect(phase()).toBe("waiting");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("lets only the newest of two sign-ins decide", async () => {
    const first = deferred<Account>();
    const second = deferred<Account>();
    const answers = [first, second];
    const { user, phase } = setup(() => answers.shift()!.promise);
    await user.click(screen.getByRole("button", { name: "Add account" }));
    await user.click(screen.getByRole("button", { name: "Add account" }));

    // The Go side cancels the older one when a new one starts.
    await act(async () => first.reject({ message: "The sign-in was cancelled.", fix: "", detail: "" }));
    expect(phase()).toBe("waiting");
    await act(async () => second.resolve(account({ userName: "Sam" })));
    expect(screen.getByText("Signed in as Sam")).toBeTruthy();
  });

  it("stops a waiting sign-in when nothing is left to show it", async () => {
    const { api, user, unmount } = setup(() => new Promise<Account>(() => {}));
    await user.click(screen.getByRole("button", { name: "Add account" }));
    expect(api.cancelSignIn).not.toHaveBeenCalled();
    unmount();
    expect(api.cancelSignIn).toHaveBeenCalledTimes(1);
  });

  it("does not cancel anything on unmount when no sign-in waits", () => {
    const { api, unmount } = setup(() => new Promise<Account>(() => {}));
    unmount();
    expect(api.cancelSignIn).not.toHaveBeenCalled();
  });
});
