import { useId } from "react";

/**
 * Sign-in (OAuth through the system browser) is not in this build yet. The
 * button is shown, disabled, with the reason attached, so the frame is the
 * real one and nobody clicks into nothing. The welcome panel shows the reason
 * in full; the sidebar's copy keeps it for screen readers and as a tooltip.
 */
export function AddAccountButton({ variant }: { variant: "primary" | "sidebar" }) {
  const noteId = useId();
  const reason = "Signing in is not available in this version yet.";
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
