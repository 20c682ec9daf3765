import { useCallback, useEffect, useState } from "react";
import { useCompanionApi } from "../api/CompanionApiContext";

/** History's unread count: read at start, after each check that stored events, and after a visit. */
export function useUnreadHistory(): { count: number; refresh: () => void } {
  const api = useCompanionApi();
  const [count, setCount] = useState(0);
  const refresh = useCallback(() => {
    api.unreadHistory().then(setCount, () => undefined);
  }, [api]);
  useEffect(() => {
    refresh();
    return api.onHistory(refresh);
  }, [api, refresh]);
  return { count, refresh };
}
