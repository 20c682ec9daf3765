import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";
import "../../styles/accounts.css";

const focusable =
  'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex="-1"])';

interface DialogProps {
  title: string;
  /** Esc, the backdrop and every Cancel/Close button end up here. */
  onClose: () => void;
  children: ReactNode;
  /** Where focus goes on close when the element that opened the dialog is gone (an account signed out). */
  fallbackFocus?: RefObject<HTMLElement | null> | undefined;
  /** While true, Esc and the backdrop do nothing (a request is on its way). */
  busy?: boolean;
}

/**
 * A modal dialog: focus moves in (to the element marked data-autofocus, or
 * the first control), stays in while it is open, and goes back to where it
 * came from on close. Esc closes it.
 */
export function Dialog({ title, onClose, children, fallbackFocus, busy = false }: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  // A ref object is stable, so the one given at opening is the one to use.
  const fallback = useRef(fallbackFocus);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = ref.current;
    const first = root?.querySelector<HTMLElement>("[data-autofocus]") ?? root?.querySelector<HTMLElement>(focusable);
    (first ?? root)?.focus();
    return () => {
      if (opener?.isConnected) opener.focus();
      else fallback.current?.current?.focus();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === "Escape") {
      e.stopPropagation();
      e.preventDefault();
      if (!busy) onClose();
      return;
    }
    if (e.key !== "Tab" || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(focusable)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div
        ref={ref}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-busy={busy}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}
