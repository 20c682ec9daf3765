import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useCompanionApi } from "../../api/CompanionApiContext";
import {
  toAppError,
  type AppError,
  type EnvironmentSettings,
  type FieldError,
  type SettingsInput,
  type SettingsView as SettingsData,
} from "../../api/companionApi";
import { environmentLabel } from "../../api/environments";
import "../../styles/accounts.css";
import { ErrorPanel } from "../content/ErrorPanel";
import { InlineError } from "../content/InlineError";
import { LoadingPanel } from "../content/LoadingPanel";

/** The order the select offers them in; any other the Go side knows follows. */
const environmentOrder = ["local", "us-snd", "ca-snd", "us", "ca", "custom"];

/** How long typing must pause before the form is checked. */
export const validateDelayMs = 300;

export interface SettingsViewProps {
  /** Called after a save with what is stored now (the environment may have changed: reload the overview). */
  onSaved?: ((view: SettingsData) => void) | undefined;
}

type Load = { status: "loading" } | { status: "error"; error: AppError } | { status: "ready"; data: SettingsData };

/** The environment new sign-ins use, and each environment's app credentials from Fullscript's API Dashboard. */
export function SettingsView({ onSaved }: SettingsViewProps) {
  const api = useCompanionApi();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setLoad({ status: "loading" });
    api.settings().then(
      (data) => live && setLoad({ status: "ready", data }),
      (err: unknown) => live && setLoad({ status: "error", error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);

  if (load.status === "loading") return <LoadingPanel label="Opening settings…" />;
  if (load.status === "error") return <ErrorPanel error={load.error} onRetry={() => setAttempt((n) => n + 1)} />;
  return <SettingsForm initial={load.data} onSaved={onSaved} />;
}

interface Draft {
  clientId: string;
  /** Only ever what was typed here: the stored secret never comes back. */
  clientSecret: string;
  publicKey: string;
  redirectUri: string;
  openMode: string;
}

type DraftField = keyof Draft;

function draftOf(env: EnvironmentSettings | undefined): Draft {
  return {
    clientId: env?.clientId ?? "",
    clientSecret: "",
    publicKey: env?.publicKey ?? "",
    redirectUri: env?.redirectUri ?? "",
    openMode: env?.openMode || "automatic",
  };
}

const openModes: readonly { value: string; label: string; hint: string }[] = [
  {
    value: "automatic",
    label: "Automatic",
    hint: "In this window where Fullscript allows it (the app checks), else in your browser.",
  },
  { value: "window", label: "In this window", hint: "Always inside the app. If Fullscript refuses, the screen stays blank." },
  { value: "browser", label: "In the browser", hint: "Always in your web browser; Fullscript asks you to sign in there if you are not." },
];

function orderedNames(data: SettingsData): string[] {
  const known = data.environments.map((e) => e.name);
  const names = [...environmentOrder, ...known.filter((n) => !environmentOrder.includes(n))];
  if (!names.includes(data.environment)) names.push(data.environment);
  return names;
}

function optionLabel(name: string): string {
  const label = environmentLabel(name);
  return label === name ? name : `${label} (${name})`;
}

function SettingsForm({ initial, onSaved }: { initial: SettingsData; onSaved: SettingsViewProps["onSaved"] }) {
  const api = useCompanionApi();
  const ids = useId();
  const [data, setData] = useState(initial);
  const [selected, setSelected] = useState(initial.environment);
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() =>
    Object.fromEntries(initial.environments.map((e) => [e.name, draftOf(e)])),
  );
  const [edited, setEdited] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);
  const checkSeq = useRef(0);
  const form = useRef<HTMLFormElement>(null);
  // Bumped when Save finds problems: the first field to fix gets the focus once it shows as invalid.
  const [showInvalid, setShowInvalid] = useState(0);

  useEffect(() => {
    if (showInvalid > 0) form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [showInvalid]);

  const env = data.environments.find((e) => e.name === selected);
  const managed = env?.managed ?? selected === "local";
  const draft = drafts[selected] ?? draftOf(env);

  const input: SettingsInput = managed
    ? { environment: selected, name: selected, clientId: "", clientSecret: "", publicKey: "", redirectUri: "", openMode: draft.openMode }
    : { environment: selected, name: selected, ...draft };
  // The form as a string: the check below runs when it changes, not on every render.
  const inputKey = JSON.stringify(input);

  // Check as the practitioner types, once they pause; only the newest answer counts.
  useEffect(() => {
    if (!edited) return;
    const seq = ++checkSeq.current;
    const timer = setTimeout(() => {
      api.validateSettings(JSON.parse(inputKey) as SettingsInput).then(
        (errs) => seq === checkSeq.current && setErrors(errs),
        // Checking is a help while typing; Save checks again and reports failures.
        (err: unknown) => console.error("validate settings:", err),
      );
    }, validateDelayMs);
    return () => clearTimeout(timer);
  }, [api, inputKey, edited]);

  function change(field: DraftField, value: string) {
    setDrafts((all) => ({ ...all, [selected]: { ...draft, [field]: value } }));
    setEdited(true);
    setSaved(false);
  }

  function choose(name: string) {
    setSelected(name);
    setEdited(true);
    setSaved(false);
    setErrors([]);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (saving) return;
    const sent = input;
    checkSeq.current++; // a check still on its way must not overwrite what Save finds
    setSaving(true);
    setSaveError(null);
    setSaved(false);
    try {
      const errs = await api.validateSettings(sent);
      if (errs.length > 0) {
        setErrors(errs);
        setSaving(false);
        setShowInvalid((n) => n + 1);
        return;
      }
      const view = await api.saveSettings(sent);
      setErrors([]);
      setData(view);
      setSelected(view.environment);
      // What was saved is what is stored now; the typed secret is gone from the form.
      const stored = view.environments.find((e) => e.name === sent.name);
      setDrafts((all) => ({ ...all, [sent.name]: draftOf(stored) }));
      setEdited(false);
      setSaved(true);
      onSaved?.(view);
    } catch (err) {
      setSaveError(toAppError(err));
    } finally {
      setSaving(false);
    }
  }

  const errorFor = (field: string) =>
    errors
      .filter((e) => e.field === field)
      .map((e) => e.message)
      .join(" ");
  const envError = [errorFor("environment"), errorFor("name")].filter((m) => m !== "").join(" ");
  const secretSet = env?.clientSecretSet ?? false;

  return (
    <form ref={form} className="panel settings" onSubmit={submit} noValidate aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} className="panel__title">
        Settings
      </h1>

      <div className="field">
        <label className="field__label" htmlFor={`${ids}-environment`}>
          Environment for new sign-ins
        </label>
        <select
          id={`${ids}-environment`}
          className="field__input"
          value={selected}
          aria-invalid={envError !== "" || undefined}
          aria-describedby={`${ids}-environment-hint`}
          onChange={(e) => choose(e.target.value)}
        >
          {orderedNames(data).map((name) => (
            <option key={name} value={name}>
              {optionLabel(name)}
            </option>
          ))}
        </select>
        <p id={`${ids}-environment-hint`} className={envError !== "" ? "field__error" : "field__hint"}>
          {envError !== "" ? envError : "Accounts already signed in keep their own environment."}
        </p>
      </div>

      <div className="field">
        <label className="field__label" htmlFor={`${ids}-openMode`}>
          How Fullscript opens ({environmentLabel(selected)})
        </label>
        <select
          id={`${ids}-openMode`}
          className="field__input"
          value={draft.openMode}
          aria-invalid={errorFor("openMode") !== "" || undefined}
          aria-describedby={`${ids}-openMode-hint`}
          onChange={(e) => change("openMode", e.target.value)}
        >
          {openModes.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
        <p id={`${ids}-openMode-hint`} className={errorFor("openMode") !== "" ? "field__error" : "field__hint"}>
          {errorFor("openMode") || openModes.find((m) => m.value === draft.openMode)?.hint}
        </p>
      </div>

      {managed ? (
        <p className="settings__managed">The built-in sandbox needs no other settings.</p>
      ) : (
        <fieldset className="settings__credentials">
          <legend>{environmentLabel(selected)}: the app’s credentials from Fullscript’s API Dashboard</legend>
          <TextField
            id={`${ids}-clientId`}
            label="Client id"
            value={draft.clientId}
            error={errorFor("clientId")}
            hint="API Dashboard, your app’s OAuth tab."
            onChange={(v) => change("clientId", v)}
          />
          <TextField
            id={`${ids}-clientSecret`}
            label="Client secret"
            type="password"
            value={draft.clientSecret}
            placeholder={secretSet ? "•••• saved" : ""}
            error={errorFor("clientSecret")}
            hint={
              secretSet
                ? "A secret is saved. Leave this empty to keep it; type a new one to replace it."
                : "Kept encrypted on this computer; it is never shown again."
            }
            onChange={(v) => change("clientSecret", v)}
          />
          <TextField
            id={`${ids}-publicKey`}
            label="Embed public key"
            value={draft.publicKey}
            error={errorFor("publicKey")}
            hint="API Dashboard, Fullscript Embed tab."
            onChange={(v) => change("publicKey", v)}
          />
          <TextField
            id={`${ids}-redirectUri`}
            label="Redirect URI"
            value={draft.redirectUri}
            placeholder="http://127.0.0.1:8765/callback"
            error={errorFor("redirectUri")}
            hint="Exactly the one registered for the app at Fullscript."
            onChange={(v) => change("redirectUri", v)}
          />
        </fieldset>
      )}

      {saveError && <InlineError error={saveError} />}

      <div className="settings__actions">
        <button type="submit" className="button button--primary" disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
        <span className="settings__saved" role="status">
          {saved ? savedText(data, selected) : ""}
        </span>
      </div>
    </form>
  );
}

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  hint: string;
  error: string;
  onChange: (value: string) => void;
  type?: "text" | "password";
  placeholder?: string;
}

function TextField({ id, label, value, hint, error, onChange, type = "text", placeholder = "" }: TextFieldProps) {
  const invalid = error !== "";
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className="field__input"
        type={type}
        value={value}
        placeholder={placeholder}
        autoComplete={type === "password" ? "new-password" : "off"}
        spellCheck={false}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-note`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-note`} className={invalid ? "field__error" : "field__hint"}>
        {invalid ? error : hint}
      </p>
    </div>
  );
}

/** "Saved", and what the environment just saved still lacks (as Diagnostics lists it). */
function savedText(data: SettingsData, name: string): string {
  const missing = data.environments.find((e) => e.name === name)?.missing ?? [];
  if (missing.length === 0) return "Saved";
  const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  return `Saved. Still needed for ${environmentLabel(name)}: ${list}.`;
}
