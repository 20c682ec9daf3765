export namespace companion {
	
	export class Account {
	    id: string;
	    environment: string;
	    clinicId: string;
	    clinicName: string;
	    userName: string;
	    role: string;
	    status: string;
	
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
	export class Overview {
	    appVersion: string;
	    environment: string;
	    dataDir: string;
	    accounts: Account[];
	
	    static createFrom(source: any = {}) {
	        return new Overview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.appVersion = source["appVersion"];
	        this.environment = source["environment"];
	        this.dataDir = source["dataDir"];
	        this.accounts = this.convertValues(source["accounts"], Account);
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

