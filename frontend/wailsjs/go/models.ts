export namespace companion {
	
	export class Account {
	    id: string;
	    environment: string;
	    clinicId: string;
	    clinicName: string;
	    userName: string;
	    role: string;
	    status: string;
	    statusReason: string;
	    label: string;
	    isDefault: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Account(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.environment = source["environment"];
	        this.clinicId = source["clinicId"];
	        this.clinicName = source["clinicName"];
	        this.userName = source["userName"];
	        this.role = source["role"];
	        this.status = source["status"];
	        this.statusReason = source["statusReason"];
	        this.label = source["label"];
	        this.isDefault = source["isDefault"];
	    }
	}
	export class AccountInfo {
	    id: string;
	    env: string;
	    clinic_id: string;
	    clinic_name: string;
	    user_id: string;
	    user_type: string;
	    user_name: string;
	    label: string;
	    default: boolean;
	    status: string;
	    status_reason?: string;
	    // Go type: time
	    access_expires_at?: any;
	    // Go type: time
	    last_refreshed_at?: any;
	
	    static createFrom(source: any = {}) {
	        return new AccountInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.env = source["env"];
	        this.clinic_id = source["clinic_id"];
	        this.clinic_name = source["clinic_name"];
	        this.user_id = source["user_id"];
	        this.user_type = source["user_type"];
	        this.user_name = source["user_name"];
	        this.label = source["label"];
	        this.default = source["default"];
	        this.status = source["status"];
	        this.status_reason = source["status_reason"];
	        this.access_expires_at = this.convertValues(source["access_expires_at"], null);
	        this.last_refreshed_at = this.convertValues(source["last_refreshed_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class BrowserOpened {
	    person: string;
	    clinic: string;
	    environment: string;
	    patient: string;
	    screen: string;
	    for: string;
	    // Go type: time
	    at: any;
	
	    static createFrom(source: any = {}) {
	        return new BrowserOpened(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.person = source["person"];
	        this.clinic = source["clinic"];
	        this.environment = source["environment"];
	        this.patient = source["patient"];
	        this.screen = source["screen"];
	        this.for = source["for"];
	        this.at = this.convertValues(source["at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Patient {
	    id: string;
	    firstName: string;
	    lastName: string;
	    email: string;
	    dateOfBirth: string;
	    sex: string;
	    mobileNumber: string;
	
	    static createFrom(source: any = {}) {
	        return new Patient(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.firstName = source["firstName"];
	        this.lastName = source["lastName"];
	        this.email = source["email"];
	        this.dateOfBirth = source["dateOfBirth"];
	        this.sex = source["sex"];
	        this.mobileNumber = source["mobileNumber"];
	    }
	}
	export class BrowserRequest {
	    accountId: string;
	    feature: string;
	    patient?: Patient;
	    practitionerId: string;
	
	    static createFrom(source: any = {}) {
	        return new BrowserRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.accountId = source["accountId"];
	        this.feature = source["feature"];
	        this.patient = this.convertValues(source["patient"], Patient);
	        this.practitionerId = source["practitionerId"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Check {
	    name: string;
	    status: string;
	    message: string;
	    fix: string;
	
	    static createFrom(source: any = {}) {
	        return new Check(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.status = source["status"];
	        this.message = source["message"];
	        this.fix = source["fix"];
	    }
	}
	export class ConnectionReport {
	    environment: string;
	    checks: Check[];
	
	    static createFrom(source: any = {}) {
	        return new ConnectionReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.environment = source["environment"];
	        this.checks = this.convertValues(source["checks"], Check);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Diagnostics {
	    environment: string;
	    webviewOrigin: string;
	    redirectUri: string;
	    embedDomain: string;
	    sandboxUrl: string;
	    missing: string[];
	    keyStorage: string;
	    keyStorageNote: string;
	    dataDir: string;
	
	    static createFrom(source: any = {}) {
	        return new Diagnostics(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.environment = source["environment"];
	        this.webviewOrigin = source["webviewOrigin"];
	        this.redirectUri = source["redirectUri"];
	        this.embedDomain = source["embedDomain"];
	        this.sandboxUrl = source["sandboxUrl"];
	        this.missing = source["missing"];
	        this.keyStorage = source["keyStorage"];
	        this.keyStorageNote = source["keyStorageNote"];
	        this.dataDir = source["dataDir"];
	    }
	}
	export class EnvironmentSettings {
	    name: string;
	    clientId: string;
	    clientSecretSet: boolean;
	    publicKey: string;
	    redirectUri: string;
	    managed: boolean;
	    openMode: string;
	    missing: string[];
	
	    static createFrom(source: any = {}) {
	        return new EnvironmentSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.clientId = source["clientId"];
	        this.clientSecretSet = source["clientSecretSet"];
	        this.publicKey = source["publicKey"];
	        this.redirectUri = source["redirectUri"];
	        this.managed = source["managed"];
	        this.openMode = source["openMode"];
	        this.missing = source["missing"];
	    }
	}
	export class EventSettings {
	    everySec: number;
	    notify: boolean;
	
	    static createFrom(source: any = {}) {
	        return new EventSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.everySec = source["everySec"];
	        this.notify = source["notify"];
	    }
	}
	export class EventsStatus {
	    // Go type: time
	    checkedAt?: any;
	    checking: boolean;
	    offline: boolean;
	    // Go type: time
	    waitUntil?: any;
	    problem: string;
	    everySec: number;
	    notify: boolean;
	    newInCheck: number;
	
	    static createFrom(source: any = {}) {
	        return new EventsStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.checkedAt = this.convertValues(source["checkedAt"], null);
	        this.checking = source["checking"];
	        this.offline = source["offline"];
	        this.waitUntil = this.convertValues(source["waitUntil"], null);
	        this.problem = source["problem"];
	        this.everySec = source["everySec"];
	        this.notify = source["notify"];
	        this.newInCheck = source["newInCheck"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class FieldError {
	    field: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldError(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.message = source["message"];
	    }
	}
	export class FrontendReport {
	    origin: string;
	    view: string;
	    userAgent: string;
	
	    static createFrom(source: any = {}) {
	        return new FrontendReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.origin = source["origin"];
	        this.view = source["view"];
	        this.userAgent = source["userAgent"];
	    }
	}
	export class HistoryChoice {
	    value: string;
	    label: string;
	
	    static createFrom(source: any = {}) {
	        return new HistoryChoice(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.value = source["value"];
	        this.label = source["label"];
	    }
	}
	export class HistoryEntry {
	    id: string;
	    accountId: string;
	    kind: string;
	    // Go type: time
	    at: any;
	    patientId: string;
	    patientName: string;
	    planId: string;
	    summary: string;
	
	    static createFrom(source: any = {}) {
	        return new HistoryEntry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.accountId = source["accountId"];
	        this.kind = source["kind"];
	        this.at = this.convertValues(source["at"], null);
	        this.patientId = source["patientId"];
	        this.patientName = source["patientName"];
	        this.planId = source["planId"];
	        this.summary = source["summary"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HistoryItem {
	    id: string;
	    source: string;
	    kind: string;
	    category: string;
	    title: string;
	    summary: string;
	    // Go type: time
	    at: any;
	    environment: string;
	    clinicKey: string;
	    clinicName: string;
	    personKey: string;
	    personName: string;
	    accountId: string;
	    patientId: string;
	    patientName: string;
	    planId: string;
	    unread: boolean;
	
	    static createFrom(source: any = {}) {
	        return new HistoryItem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.source = source["source"];
	        this.kind = source["kind"];
	        this.category = source["category"];
	        this.title = source["title"];
	        this.summary = source["summary"];
	        this.at = this.convertValues(source["at"], null);
	        this.environment = source["environment"];
	        this.clinicKey = source["clinicKey"];
	        this.clinicName = source["clinicName"];
	        this.personKey = source["personKey"];
	        this.personName = source["personName"];
	        this.accountId = source["accountId"];
	        this.patientId = source["patientId"];
	        this.patientName = source["patientName"];
	        this.planId = source["planId"];
	        this.unread = source["unread"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HistoryPage {
	    items: HistoryItem[];
	    unread: number;
	    clinics: HistoryChoice[];
	    people: HistoryChoice[];
	    patients: HistoryChoice[];
	    categories: HistoryChoice[];
	    unreadable: number;
	    checking: EventsStatus;
	
	    static createFrom(source: any = {}) {
	        return new HistoryPage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.items = this.convertValues(source["items"], HistoryItem);
	        this.unread = source["unread"];
	        this.clinics = this.convertValues(source["clinics"], HistoryChoice);
	        this.people = this.convertValues(source["people"], HistoryChoice);
	        this.patients = this.convertValues(source["patients"], HistoryChoice);
	        this.categories = this.convertValues(source["categories"], HistoryChoice);
	        this.unreadable = source["unreadable"];
	        this.checking = this.convertValues(source["checking"], EventsStatus);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HistoryQuery {
	    clinic: string;
	    person: string;
	    patientId: string;
	    category: string;
	    limit: number;
	
	    static createFrom(source: any = {}) {
	        return new HistoryQuery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.clinic = source["clinic"];
	        this.person = source["person"];
	        this.patientId = source["patientId"];
	        this.category = source["category"];
	        this.limit = source["limit"];
	    }
	}
	export class LaunchIntent {
	    account: string;
	    patientId: string;
	    patientEmail: string;
	    feature: string;
	    in: string;
	    source: string;
	    problem: string;
	
	    static createFrom(source: any = {}) {
	        return new LaunchIntent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.account = source["account"];
	        this.patientId = source["patientId"];
	        this.patientEmail = source["patientEmail"];
	        this.feature = source["feature"];
	        this.in = source["in"];
	        this.source = source["source"];
	        this.problem = source["problem"];
	    }
	}
	export class OpenChoice {
	    setting: string;
	    opens: string;
	    reason: string;
	
	    static createFrom(source: any = {}) {
	        return new OpenChoice(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.setting = source["setting"];
	        this.opens = source["opens"];
	        this.reason = source["reason"];
	    }
	}
	export class Overview {
	    appVersion: string;
	    environment: string;
	    dataDir: string;
	    accounts: Account[];
	    keyStorage: string;
	    keyStorageNote: string;
	    pendingSignOuts: number;
	
	    static createFrom(source: any = {}) {
	        return new Overview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.appVersion = source["appVersion"];
	        this.environment = source["environment"];
	        this.dataDir = source["dataDir"];
	        this.accounts = this.convertValues(source["accounts"], Account);
	        this.keyStorage = source["keyStorage"];
	        this.keyStorageNote = source["keyStorageNote"];
	        this.pendingSignOuts = source["pendingSignOuts"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class PatientPage {
	    patients: Patient[];
	    page: number;
	    totalPages: number;
	    totalCount: number;
	
	    static createFrom(source: any = {}) {
	        return new PatientPage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.patients = this.convertValues(source["patients"], Patient);
	        this.page = source["page"];
	        this.totalPages = source["totalPages"];
	        this.totalCount = source["totalCount"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PlanSummary {
	    id: string;
	    state: string;
	    // Go type: time
	    createdAt: any;
	    prescriber: string;
	    products: string[];
	    productCount: number;
	    labs: string[];
	
	    static createFrom(source: any = {}) {
	        return new PlanSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.state = source["state"];
	        this.createdAt = this.convertValues(source["createdAt"], null);
	        this.prescriber = source["prescriber"];
	        this.products = source["products"];
	        this.productCount = source["productCount"];
	        this.labs = source["labs"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PatientPlans {
	    plans: PlanSummary[];
	    // Go type: time
	    fetchedAt: any;
	    saved: boolean;
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new PatientPlans(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.plans = this.convertValues(source["plans"], PlanSummary);
	        this.fetchedAt = this.convertValues(source["fetchedAt"], null);
	        this.saved = source["saved"];
	        this.note = source["note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Practitioner {
	    id: string;
	    name: string;
	
	    static createFrom(source: any = {}) {
	        return new Practitioner(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	    }
	}
	export class RestoreResult {
	    backup: store.Backup;
	    setAside?: string;
	
	    static createFrom(source: any = {}) {
	        return new RestoreResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.backup = this.convertValues(source["backup"], store.Backup);
	        this.setAside = source["setAside"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SessionGrant {
	    secretToken: string;
	    // Go type: time
	    expiresAt: any;
	    env: string;
	    domain: string;
	    publicKey: string;
	
	    static createFrom(source: any = {}) {
	        return new SessionGrant(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.secretToken = source["secretToken"];
	        this.expiresAt = this.convertValues(source["expiresAt"], null);
	        this.env = source["env"];
	        this.domain = source["domain"];
	        this.publicKey = source["publicKey"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SettingsInput {
	    environment: string;
	    name: string;
	    clientId: string;
	    clientSecret: string;
	    publicKey: string;
	    redirectUri: string;
	    openMode: string;
	
	    static createFrom(source: any = {}) {
	        return new SettingsInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.environment = source["environment"];
	        this.name = source["name"];
	        this.clientId = source["clientId"];
	        this.clientSecret = source["clientSecret"];
	        this.publicKey = source["publicKey"];
	        this.redirectUri = source["redirectUri"];
	        this.openMode = source["openMode"];
	    }
	}
	export class SettingsView {
	    environment: string;
	    environments: EnvironmentSettings[];
	
	    static createFrom(source: any = {}) {
	        return new SettingsView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.environment = source["environment"];
	        this.environments = this.convertValues(source["environments"], EnvironmentSettings);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SignOutResult {
	    account: AccountInfo;
	    revoked: boolean;
	    queued: boolean;
	    unreadable?: boolean;
	    historyRemoved?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new SignOutResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.account = this.convertValues(source["account"], AccountInfo);
	        this.revoked = source["revoked"];
	        this.queued = source["queued"];
	        this.unreadable = source["unreadable"];
	        this.historyRemoved = source["historyRemoved"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace store {
	
	export class Backup {
	    name: string;
	    path: string;
	    // Go type: time
	    takenAt: any;
	    size: number;
	    accounts: number;
	    future?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Backup(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.path = source["path"];
	        this.takenAt = this.convertValues(source["takenAt"], null);
	        this.size = source["size"];
	        this.accounts = source["accounts"];
	        this.future = source["future"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

