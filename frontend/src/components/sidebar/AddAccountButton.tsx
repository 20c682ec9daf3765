import { useId } from "react";

/**
 * Sign-in from the window is not in this build yet (the CLI has it). The
 * button is shown, disabled, with the reason attached, so the frame is the
 * real one and nobody clicks into nothing. The welcome panel shows the reason
 * in full; the sidebar's copy keeps it for screen readers and as a tooltip.
 */
export function AddAccountButton({ variant }: { variant: "primary" | "sidebar" }) {
  const noteId = useId();
  const reason = "Signing in from the window is not in this version yet: run fullscript-companion login.";
  return (
    <div className="add-account">
      <button
        type="button"
        className={`button button--${variant === "primary" ? "primary" : "secondary"}`}
        disabled
        aria-describedby={noteId}
        title={reason}
      >
        <span aria-hidden="true">+</span> Add account
      </button>
      <p id={noteId} className={variant === "primary" ? "add-account__note" : "visually-hidden"}>
        {reason}
      </p>
    </div>
  );
}
