import { useCompanionApi } from "../../api/CompanionApiContext";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { toAppError, type Account, type AppError, type Feature, type LaunchIntent, type OpensIn, type Patient } from "../../api/companionApi";
import "../../styles/workspace.css";
import { BrowserPanel } from "./BrowserPanel";
import { EmbedPlaceholder } from "./EmbedPlaceholder";
import { FeatureButtons } from "./FeatureButtons";
import { FullscriptPanel } from "./FullscriptPanel";
import { PatientPicker } from "./PatientPicker";
import { PatientHistory } from "./PatientHistory";
import { PatientPlans } from "./PatientPlans";
import { PrescriberPicker } from "./PrescriberPicker";
import { blankPatient, patientLabel } from "./patientText";
import { useBrowserOpening } from "./useBrowserOpening";
import { useOpenChoice } from "./useOpenChoice";

export interface AccountWorkspaceProps {
  account: Account;
  online: boolean;
  /** What `fullscript-companion open` asked for; applied once, then onLaunchHandled. */
  launch: LaunchIntent | null;
  onLaunchHandled: () => void;
  onOpenDiagnostics: () => void;
  /** How long an Embed screen may stay silent before the app checks it (tests shorten it). */
  silenceMs?: number;
  /** On screen now; a workspace kept while another view is shown is not. */
  active?: boolean;
}

/** What is in the Fullscript area; `seq` makes every opening a new one. */
interface Opened {
  where: OpensIn;
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

function AccountWorkspaceFor({ account, online, launch, onLaunchHandled, onOpenDiagnostics, silenceMs, active = true }: AccountWorkspaceProps) {
  const api = useCompanionApi();
  const [patient, setPatient] = useState<Patient | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const seq = useRef(0);
  const handledLaunch = useRef<LaunchIntent | null>(null);
  const launchSeq = useRef(0);
  const { choice, remember } = useOpenChoice(account.id, account.environment, online, active);
  const { state: browserState, open: openBrowser, copy: copyLink, clear: clearBrowser } = useBrowserOpening();
  const isStaff = account.role === "staff";
  // A staff member's practitioner, as on screen: every link is made for this one.
  const [prescriber, setPrescriber] = useState<string | null>(isStaff ? null : "");
  const [prescriberError, setPrescriberError] = useState<AppError | null>(null);

  useEffect(() => {
    if (!isStaff) return;
    let live = true;
    api.prescriber(account.id).then(
      (id) => live && setPrescriber((cur) => cur ?? id),
      () => live && setPrescriber((cur) => cur ?? ""),
    );
    return () => {
      live = false;
    };
  }, [api, account.id, isStaff]);

  const choosePrescriber = (id: string) => {
    setPrescriber(id);
    setPrescriberError(null);
    api.setPrescriber(account.id, id).catch((err: unknown) => setPrescriberError(toAppError(err)));
  };

  const opening = browserState?.status === "opening";
  const open = useCallback(
    (feature: Feature, chosen: Patient | null, where: OpensIn) => {
      // A link is on its way: a second click would open a second tab.
      if (where === "browser" && opening) return;
      seq.current += 1;
      // Only the treatment plan is for a patient; Catalog and Labs open clinic-wide.
      const forPatient = feature === "treatment-plan" ? chosen : null;
      setOpened({ where, feature, patient: forPatient, seq: seq.current });
      if (where === "browser") openBrowser({ accountId: account.id, feature, patient: forPatient, practitionerId: prescriber ?? "" });
    },
    [account.id, openBrowser, opening, prescriber],
  );

  useEffect(() => {
    if (!launch || handledLaunch.current === launch) return;
    // A launch that leaves the place to Settings waits until it is known.
    const where = launch.in || choice?.opens;
    if (online && !where) return;
    handledLaunch.current = launch;
    const mine = ++launchSeq.current;
    onLaunchHandled();
    // The launch says exactly what to do: its patient (or none) replaces the
    // one on screen, so a plan never opens for someone the launch did not name.
    const go = (chosen: Patient | null) => {
      if (mine !== launchSeq.current) return; // a newer launch took over
      setPatient(chosen);
      // A link is untrusted (any page can hold one): it may open a screen for
      // a patient the clinic has, in this window. Anything that would make
      // something at Fullscript or leave the app (a Redirect link, the
      // browser, a new patient from the link's email) waits for a click: the
      // screen's button gets the focus instead.
      const link = launch.source === "link";
      if (link && (where === "browser" || !chosen || chosen.id === "")) {
        if (where) focusFeature(launch.feature);
        return;
      }
      if (online && where) open(launch.feature, chosen, where);
    };
    const named = launchPatient(launch);
    if (online && named && named.id === "" && named.email !== "") {
      // An email may be a patient the clinic already has: open that one, as
      // search would; only an email nobody has is a new patient.
      const email = named.email.toLowerCase();
      api.searchPatients(account.id, named.email, 1).then(
        (page) => go(page.patients.find((p) => p.email.toLowerCase() === email) ?? named),
        () => go(named),
      );
      return;
    }
    go(named);
    // A launch names the patient by id only: fetch the name for the chip
    // (Fullscript matches by the id either way). If it fails, the id stays.
    if (online && named && named.id !== "") {
      api.patient(account.id, named.id).then(
        (full) => setPatient((cur) => (cur?.id === full.id ? full : cur)),
        () => undefined,
      );
    }
  }, [launch, online, onLaunchHandled, api, account.id, choice, open]);

  // A patient just chosen: the next step is opening something for them.
  const features = useRef<HTMLDivElement>(null);
  const focusFeature = (feature: Feature) => {
    const index = ["treatment-plan", "catalog", "labs"].indexOf(feature);
    setTimeout(() => features.current?.querySelectorAll<HTMLButtonElement>("button")[index]?.focus(), 0);
  };
  const focusFeatures = () => {
    const first = features.current?.querySelector<HTMLButtonElement>("button:not(:disabled)");
    first?.focus();
    return first !== undefined && first !== null && document.activeElement === first;
  };

  // Esc closes Fullscript unless something inside (search, a list, the form) used it.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && !e.defaultPrevented && opened) setOpened(null);
  };

  const plansFor = (p: Patient | null) =>
    p && p.id !== "" ? (
      <>
        <PatientPlans accountId={account.id} patientId={p.id} patientName={patientLabel(p)} online={online} />
        <PatientHistory environment={account.environment} clinicId={account.clinicId} patientId={p.id} patientName={patientLabel(p)} />
      </>
    ) : null;

  let area;
  if (opened?.where === "window") {
    area = (
      <FullscriptPanel
        key={opened.seq}
        account={account}
        feature={opened.feature}
        patient={opened.patient}
        displayPatient={opened.patient && patient?.id === opened.patient.id ? patient : opened.patient}
        onClose={() => setOpened(null)}
        onOpenDiagnostics={onOpenDiagnostics}
        onOpenInBrowser={(always) => {
          if (always) remember("browser").catch((err: unknown) => console.warn("remember how Fullscript opens:", err));
          open(opened.feature, opened.patient, "browser");
        }}
        {...(silenceMs !== undefined && { silenceMs })}
      />
    );
  } else if (opened?.where === "browser" && browserState) {
    // Again with the practitioner on screen now (a staff member may have just chosen one).
    const request = { ...browserState.request, practitionerId: prescriber ?? "" };
    area = (
      <BrowserPanel
        state={browserState}
        onOpenAgain={() => openBrowser(request)}
        onCopy={() => copyLink(request)}
        onClose={() => {
          clearBrowser();
          setOpened(null);
        }}
      >
        {plansFor(opened.patient)}
      </BrowserPanel>
    );
  } else {
    area = (
      <>
        {plansFor(patient)}
        <EmbedPlaceholder patient={patient} opensIn={choice?.opens ?? null} />
      </>
    );
  }

  return (
    <div className="account-workspace" onKeyDown={onKeyDown}>
      <PatientPicker account={account} online={online} patient={patient} onChange={setPatient} onChosen={focusFeatures} />
      {isStaff && (choice?.opens === "browser" || opened?.where === "browser") && (
        <PrescriberPicker accountId={account.id} online={online} value={prescriber} onChange={choosePrescriber} saveError={prescriberError} />
      )}
      <div ref={features} className="account-workspace__features">
        <FeatureButtons
          online={online}
          active={opened?.feature ?? null}
          choice={choice}
          busy={opening}
          onOpen={(f) => choice && open(f, patient, choice.opens)}
        />
      </div>
      <div className="account-workspace__embed">{area}</div>
    </div>
  );
}
