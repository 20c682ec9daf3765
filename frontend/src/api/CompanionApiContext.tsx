import { createContext, useContext, type ReactNode } from "react";
import { wailsCompanionApi, type CompanionApi } from "./companionApi";

const CompanionApiContext = createContext<CompanionApi>(wailsCompanionApi);

export function CompanionApiProvider({ api, children }: { api: CompanionApi; children: ReactNode }) {
  return <CompanionApiContext.Provider value={api}>{children}</CompanionApiContext.Provider>;
}

export function useCompanionApi(): CompanionApi {
  return useContext(CompanionApiContext);
}
