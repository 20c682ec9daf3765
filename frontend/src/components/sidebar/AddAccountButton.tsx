import { useId } from "react";
import "../../styles/accounts.css";

interface AddAccountButtonProps {
  variant: "primary" | "sidebar";
  onClick: () => void;
  /** When set, the button is disabled and says why, right under it. */
  disabledReason?: string | undefined;
}

/** Starts a sign-in in the browser. Disabled only with a reason the practitioner can read. */
export function AddAccountButton({ variant, onClick, disabledReason }: AddAccountButtonProps) {
  const noteId = useId();
  const disabled = disabledReason !== undefined && disabledReason !== "";
  return (
    <div className={`add-account add-account--${variant}`}>
      <button
        type="button"
        className={`button button--${variant === "primary" ? "primary" : "secondary"}`}
        disabled={disabled}
        aria-describedby={disabled ? noteId : undefined}
        onClick={onClick}
      >
        <span aria-hidden="true">+</span> Add account
      </button>
      {disabled && (
        <p id={noteId} className="add-account__note">
          {disabledReason}
        </p>
      )}
    </div>
  );
}
