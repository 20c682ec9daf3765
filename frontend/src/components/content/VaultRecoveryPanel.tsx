import { useEffect, useState } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import { toAppError, type AppError, type Backup } from "../../api/companionApi";
import { Dialog } from "../dialogs/Dialog";
import { InlineError } from "./InlineError";

interface VaultRecoveryPanelProps {
  /** The vault problem (code "vault_broken"): a damaged or missing file, or a lost key. */
  error: AppError;
  /** Called once the vault opens again (restored, or started over). */
  onRecovered: () => void;
}

type Step = { kind: "idle" } | { kind: "working"; what: string } | { kind: "failed"; error: AppError };

function takenAt(b: Backup): string {
  return new Date(b.takenAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function accountsWord(n: number): string {
  return n === 1 ? "1 account" : `${n} accounts`;
}

/**
 * The saved sign-ins cannot be opened: says why, and offers the way out the
 * app has: the newest backup (or an older one), or starting over, which sets
 * the old files aside rather than deleting them.
 */
export function VaultRecoveryPanel({ error, onRecovered }: VaultRecoveryPanelProps) {
  const api = useCompanionApi();
  const [backups, setBackups] = useState<Backup[] | null>(null);
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [confirmStartOver, setConfirmStartOver] = useState(false);

  useEffect(() => {
    let live = true;
    api.backups().then(
      (list) => live && setBackups(list),
      () => live && setBackups([]),
    );
    return () => {
      live = false;
    };
  }, [api]);

  async function run(what: string, action: () => Promise<unknown>) {
    setStep({ kind: "working", what });
    try {
      await action();
      setStep({ kind: "idle" });
      onRecovered();
    } catch (err) {
      setStep({ kind: "failed", error: toAppError(err) });
    }
  }

  const working = step.kind === "working";
  const newest = backups?.[0];
  const older = backups?.slice(1) ?? [];
  return (
    <div className="panel panel--centered vault-recovery" role="alert">
      <h1 className="panel__title">{error.message}</h1>
      {backups === null ? (
        <p className="panel__lead">Looking for a backup…</p>
      ) : newest ? (
        <p className="panel__lead">
          The app keeps a copy of your saved sign-ins each day and after each sign-in and sign-out. The newest is from{" "}
          <strong>{takenAt(newest)}</strong> ({accountsWord(newest.accounts)}).
        </p>
      ) : (
        <p className="panel__lead">There is no backup to restore. {error.fix}</p>
      )}
      {step.kind === "failed" && <InlineError error={step.error} />}
      <div className="vault-recovery__actions">
        {newest && (
          <button
            type="button"
            className="button button--primary"
            disabled={working}
            autoFocus
            onClick={() => void run("restore", () => api.restoreBackup(newest.name))}
          >
            {working && step.what === "restore" ? "Restoring…" : "Restore this backup"}
          </button>
        )}
        <button type="button" className="button button--secondary" disabled={working} onClick={() => setConfirmStartOver(true)}>
          Start over…
        </button>
        <button type="button" className="button button--secondary" disabled={working} onClick={onRecovered}>
          Try again
        </button>
      </div>
      {newest && (
        <p className="vault-recovery__note">
          Accounts whose sign-in was refreshed after the backup was taken may have to sign in again.
        </p>
      )}
      {older.length > 0 && (
        <details className="vault-recovery__older">
          <summary>Older backups</summary>
          <ul>
            {older.map((b) => (
              <li key={b.name}>
                {takenAt(b)} · {accountsWord(b.accounts)}{" "}
                <button
                  type="button"
                  className="button button--secondary button--small"
                  disabled={working}
                  onClick={() => void run("restore", () => api.restoreBackup(b.name))}
                >
                  Restore
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
      {error.detail !== "" && (
        <details className="error-detail">
          <summary>Details for support</summary>
          <code>{error.detail}</code>
        </details>
      )}
      {confirmStartOver && (
        <Dialog title="Start over?" onClose={() => setConfirmStartOver(false)} busy={working}>
          <div className="dialog__body">
            <p>
              Your saved sign-ins and their key are moved into the <code>set-aside</code> folder beside them, not deleted, and the
              app opens with no accounts. Each account then signs in again.
            </p>
            <div className="dialog__actions">
              <button type="button" className="button button--secondary" onClick={() => setConfirmStartOver(false)} data-autofocus>
                Cancel
              </button>
              <button
                type="button"
                className="button button--danger"
                disabled={working}
                onClick={() => {
                  setConfirmStartOver(false);
                  void run("start-over", () => api.startOver());
                }}
              >
                Start over
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </div>
  );
}
