// What the window needs from @fullscript/fullscript-js 3.2.0, as narrow types
// of our own: the panel can then be tested with a small double (jsdom cannot
// run the real iframe), and the library itself is loaded lazily.
import type { Feature, Patient, SessionGrant } from "../../api/companionApi";

export type EmbedEventName = "patient.selected" | "treatmentPlan.activated";
export type EmbedFeatureType = "treatmentPlan" | "platform";
export type EmbedEnv = "us" | "ca" | "us-snd" | "ca-snd" | "dev";

/** The library's `patient` option; only the keys the window fills in. */
export interface EmbedPatient {
  id?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  dateOfBirth?: string;
  biologicalSex?: "male" | "female";
  mobileNumber?: string;
}

export interface EmbedFeatureOptions {
  secretToken: string;
  patient?: EmbedPatient;
  /** platform only; the library drops it for treatmentPlan. */
  entrypoint?: "catalog" | "labs";
}

export interface EmbedFeature {
  mount(elementId: string): Promise<void>;
  unmount(): void;
  on(event: EmbedEventName, callback: (payload: unknown) => void): void;
}

export interface EmbedClient {
  create(type: EmbedFeatureType, options: EmbedFeatureOptions): EmbedFeature;
}

export interface EmbedClientOptions {
  publicKey: string;
  env: EmbedEnv;
  domain: string;
}

/** `Fullscript(options)` from the library, or a test double of it. */
export type FullscriptFactory = (options: EmbedClientOptions) => EmbedClient;

let library: Promise<FullscriptFactory> | null = null;

/**
 * Imports the library on first use (it stays out of the first bundle) and
 * adapts its generic `create` to EmbedClient. Always the same factory, so the
 * client cache below holds across panels.
 */
export function loadFullscriptLibrary(): Promise<FullscriptFactory> {
  library ??= import("@fullscript/fullscript-js").then(
    ({ Fullscript }) => {
      const factory: FullscriptFactory = (options) => {
        const client = Fullscript(options);
        return {
          create: (type, featureOptions) =>
            type === "treatmentPlan" ? client.create("treatmentPlan", featureOptions) : client.create("platform", featureOptions),
        };
      };
      return factory;
    },
    (err: unknown) => {
      // A failed chunk load must not stick: the next attempt imports again.
      library = null;
      throw err;
    },
  );
  return library;
}

// Every Fullscript() call adds a window "message" listener the library never
// removes, so one client per factory and configuration, for the app's life.
// The public key is part of the key: after it changes in Settings, a reused
// client would keep sending the old one and Fullscript would refuse the frame.
const clients = new WeakMap<FullscriptFactory, Map<string, EmbedClient>>();

export function clientFor(factory: FullscriptFactory, options: EmbedClientOptions): EmbedClient {
  let byConfig = clients.get(factory);
  if (!byConfig) {
    byConfig = new Map();
    clients.set(factory, byConfig);
  }
  const key = `${options.env}|${options.domain}|${options.publicKey}`;
  let client = byConfig.get(key);
  if (!client) {
    client = factory(options);
    byConfig.set(key, client);
  }
  return client;
}

const envs: readonly EmbedEnv[] = ["us", "ca", "us-snd", "ca-snd", "dev"];

/**
 * The client options for a grant. The library compares `domain` with each
 * message's origin by ===, so a trailing slash or an upper-case host would
 * silently drop every event: normalise it to a bare origin.
 */
export function clientOptions(grant: SessionGrant): EmbedClientOptions {
  const env = envs.find((e) => e === grant.env);
  if (!env) throw new Error(`unknown Fullscript Embed environment ${JSON.stringify(grant.env)}`);
  let domain: string;
  try {
    domain = new URL(grant.domain).origin;
  } catch {
    throw new Error(`the Fullscript Embed domain ${JSON.stringify(grant.domain)} is not a URL`);
  }
  return { publicKey: grant.publicKey, env, domain };
}

/**
 * A chosen patient as Fullscript takes it: a known id alone (Fullscript then
 * skips its patient screen), otherwise what was typed, without empty values.
 */
export function toFullscriptPatient(patient: Patient): EmbedPatient {
  if (patient.id !== "") return { id: patient.id };
  const out: EmbedPatient = {};
  const first = patient.firstName.trim();
  const last = patient.lastName.trim();
  const email = patient.email.trim();
  const mobile = patient.mobileNumber.trim();
  if (first !== "") out.firstName = first;
  if (last !== "") out.lastName = last;
  if (email !== "") out.email = email;
  if (patient.dateOfBirth !== "") out.dateOfBirth = patient.dateOfBirth;
  if (patient.sex === "male" || patient.sex === "female") out.biologicalSex = patient.sex;
  if (mobile !== "") out.mobileNumber = mobile;
  return out;
}

/** Which library feature opens a window feature, with its options. */
export function featureRequest(
  feature: Feature,
  secretToken: string,
  patient: Patient | null,
): { type: EmbedFeatureType; options: EmbedFeatureOptions } {
  const options: EmbedFeatureOptions = { secretToken };
  if (patient) options.patient = toFullscriptPatient(patient);
  if (feature === "treatment-plan") return { type: "treatmentPlan", options };
  options.entrypoint = feature;
  return { type: "platform", options };
}
