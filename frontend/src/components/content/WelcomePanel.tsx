import { environmentLabel, isSandbox } from "../../api/environments";
import { AddAccountButton } from "../sidebar/AddAccountButton";
import { addAccountDisabledReason } from "../sidebar/network";

const steps = [
  ["Sign in with Fullscript", "in your browser, once for each clinic and person."],
  ["Find the patient", "by name or email, or start a new one."],
  ["Open their treatment plan, the catalog or labs", "Fullscript’s own screens, right in this window."],
] as const;

interface WelcomePanelProps {
  environment: string;
  /** Starts a sign-in (useSignIn().start). Until it is wired, the button says sign-in is not available here. */
  onAddAccount?: (() => void) | undefined;
  /** Signing in needs the internet (not for the built-in sandbox); offline the button says so. Defaults to online. */
  online?: boolean | undefined;
}

/** The empty state: no account yet, so say what the app is for and what comes next. */
export function WelcomePanel({ environment, onAddAccount, online = true }: WelcomePanelProps) {
  return (
    <div className="panel panel--centered welcome">
      <h1 className="panel__title">Add your first Fullscript account</h1>
      <p className="panel__lead">
        Several clinics and several people can share this computer. Each sign-in stays on it, encrypted.
      </p>
      <ol className="steps">
        {steps.map(([title, detail]) => (
          <li key={title} className="steps__item">
            <strong>{title}</strong> <span className="steps__detail">{detail}</span>
          </li>
        ))}
      </ol>
      <AddAccountButton
        variant="primary"
        onClick={() => onAddAccount?.()}
        disabledReason={addAccountDisabledReason(onAddAccount !== undefined, online, environment)}
      />
      {isSandbox(environment) && (
        <p className="welcome__env">
          You are on the <strong>{environmentLabel(environment)}</strong>: everything works with test data and no
          Fullscript account.
        </p>
      )}
    </div>
  );
}
