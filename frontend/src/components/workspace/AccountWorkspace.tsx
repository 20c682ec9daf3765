import { useCompanionApi } from "../../api/CompanionApiContext";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Account, Feature, LaunchIntent, Patient } from "../../api/companionApi";
import "../../styles/workspace.css";
import { EmbedPlaceholder } from "./EmbedPlaceholder";
import { FeatureButtons } from "./FeatureButtons";
import { FullscriptPanel } from "./FullscriptPanel";
import { PatientPicker } from "./PatientPicker";
import { blankPatient } from "./patientText";

export interface AccountWorkspaceProps {
  account: Account;
  online: boolean;
  /** What `fullscript-companion open` asked for; applied once, then onLaunchHandled. */
  launch: LaunchIntent | null;
  onLaunchHandled: () => void;
  onOpenDiagnostics: () => void;
}

/** What is on screen in the Fullscript area; `seq` makes every opening a new mount. */
interface Opened {
  feature: Feature;
  patient: Patient | null;
  seq: number;
}

/** The patient a launch names: an id Fullscript knows, or an email to prefill. */
function launchPatient(launch: LaunchIntent): Patient | null {
  if (launch.patientId !== "") return { ...blankPatient(), id: launch.patientId };
  if (launch.patientEmail !== "") return { ...blankPatient(), email: launch.patientEmail };
  return null;
}

/** The main view for a chosen account: the patient bar, what to open, and Fullscript below. */
export function AccountWorkspace(props: AccountWorkspaceProps) {
  // Patients belong to one clinic: another account starts from a clean slate.
  return <AccountWorkspaceFor key={props.account.id} {...props} />;
}

function AccountWorkspaceFor({ account, online, launch, onLaunchHandled, onOpenDiagnostics }: AccountWorkspaceProps) {
  const api = useCompanionApi();
  const [patient, setPatient] = useState<Patient | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const seq = useRef(0);
  const handledLaunch = useRef<LaunchIntent | null>(null);

  const open = (feature: Feature, chosen: Patient | null) => {
    seq.current += 1;
    // Only the treatment plan is for a patient; Catalog and Labs open clinic-wide.
    setOpened({ feature, patient: feature === "treatment-plan" ? chosen : null, seq: seq.current });
  };

  useEffect(() => {
    if (!launch || handledLaunch.current === launch) return;
    handledLaunch.current = launch;
    // The launch says exactly what to do: its patient (or none) replaces the
    // one on screen, so a plan never opens for someone the launch did not name.
    const chosen = launchPatient(launch);
    setPatient(chosen);
    if (online) open(launch.feature, chosen);
    onLaunchHandled();
    // A launch names the patient by id only: fetch the name for the chip
    // (Fullscript matches by the id either way). If it fails, the id stays.
    if (online && chosen && chosen.id !== "") {
      api.patient(account.id, chosen.id).then(
        (full) => setPatient((cur) => (cur?.id === full.id ? full : cur)),
        () => undefined,
      );
    }
  }, [launch, online, onLaunchHandled, api, account.id]);

  // Esc closes Fullscript unless something inside (search, a list, the form) used it.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && !e.defaultPrevented && opened) setOpened(null);
  };

  return (
    <div className="account-workspace" onKeyDown={onKeyDown}>
      <PatientPicker account={account} online={online} patient={patient} onChange={setPatient} />
      <FeatureButtons online={online} active={opened?.feature ?? null} onOpen={(f) => open(f, patient)} />
      <div className="account-workspace__embed">
        {opened ? (
          <FullscriptPanel
            key={opened.seq}
            account={account}
            feature={opened.feature}
            patient={opened.patient}
            displayPatient={opened.patient && patient?.id === opened.patient.id ? patient : opened.patient}
            onClose={() => setOpened(null)}
            onOpenDiagnostics={onOpenDiagnostics}
          />
        ) : (
          <EmbedPlaceholder patient={patient} />
        )}
      </div>
    </div>
  );
}
