import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { Account } from "../../api/companionApi";
import "../../styles/accounts.css";

export interface AccountActions {
  onRename: (account: Account) => void;
  onSetDefault: (account: Account) => void;
  onSignOut: (account: Account) => void;
}

interface AccountActionsMenuProps extends AccountActions {
  account: Account;
  /** The name the row shows; the button is "Actions for <name>". */
  name: string;
  /** Id of the element naming the clinic, so "Actions for Dr. Ada Moss" is told apart between clinics. */
  describedBy?: string;
}

interface Item {
  key: string;
  label: string;
  run: () => void;
  danger?: boolean;
}

/**
 * A small per-account menu: a button opens it, arrows move, Enter chooses,
 * Esc (or Tab, or a click elsewhere) closes it and focus returns to the button.
 */
export function AccountActionsMenu({ account, name, describedBy, onRename, onSetDefault, onSignOut }: AccountActionsMenuProps) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = useRef<(HTMLButtonElement | null)[]>([]);
  const focusOnOpen = useRef<"first" | "last">("first");

  const entries: Item[] = [
    { key: "rename", label: "Rename…", run: () => onRename(account) },
    ...(account.isDefault ? [] : [{ key: "default", label: "Set as default", run: () => onSetDefault(account) }]),
    { key: "sign-out", label: "Sign out…", run: () => onSignOut(account), danger: true },
  ];

  useEffect(() => {
    if (!open) return;
    const list = items.current.filter((el): el is HTMLButtonElement => el !== null);
    (focusOnOpen.current === "last" ? list[list.length - 1] : list[0])?.focus();
    const onPointer = (e: MouseEvent) => {
      if (!wrapper.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onPointer);
    return () => document.removeEventListener("mousedown", onPointer);
  }, [open]);

  function openAt(where: "first" | "last") {
    focusOnOpen.current = where;
    setOpen(true);
  }

  function close() {
    setOpen(false);
    button.current?.focus();
  }

  function choose(item: Item) {
    close();
    item.run();
  }

  function onButtonKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      openAt(e.key === "ArrowDown" ? "first" : "last");
    }
  }

  function onMenuKeyDown(e: KeyboardEvent<HTMLUListElement>) {
    const list = items.current.filter((el): el is HTMLButtonElement => el !== null);
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      e.preventDefault();
      list[(to + list.length) % list.length]?.focus();
    };
    switch (e.key) {
      case "ArrowDown":
        return move(at + 1);
      case "ArrowUp":
        return move(at - 1);
      case "Home":
        return move(0);
      case "End":
        return move(list.length - 1);
      case "Escape":
        e.preventDefault();
        e.stopPropagation();
        return close();
      case "Tab":
        // Let the focus move on; the menu just goes away.
        setOpen(false);
        return;
    }
  }

  return (
    <div className="actions-menu" ref={wrapper}>
      <button
        ref={button}
        type="button"
        className="actions-menu__button"
        aria-label={`Actions for ${name}`}
        aria-describedby={describedBy}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? setOpen(false) : openAt("first"))}
        onKeyDown={onButtonKeyDown}
      >
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <circle cx="3" cy="8" r="1.5" />
          <circle cx="8" cy="8" r="1.5" />
          <circle cx="13" cy="8" r="1.5" />
        </svg>
      </button>
      {open && (
        <ul id={menuId} className="actions-menu__list" role="menu" aria-label={`Actions for ${name}`} onKeyDown={onMenuKeyDown}>
          {entries.map((item, i) => (
            <li key={item.key} role="none">
              <button
                ref={(el) => {
                  items.current[i] = el;
                }}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={`actions-menu__item${item.danger ? " actions-menu__item--danger" : ""}`}
                onClick={() => choose(item)}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
