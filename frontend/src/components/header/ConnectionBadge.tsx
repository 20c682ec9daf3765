import { useOnlineStatus } from "../../stores/useOnlineStatus";

/** Online or offline, always in words: offline work stays possible, so it must be obvious. */
export function ConnectionBadge() {
  const online = useOnlineStatus();
  return (
    <span className={`connection connection--${online ? "online" : "offline"}`} role="status">
      <span className="connection__dot" aria-hidden="true" />
      {online ? "Online" : "Offline"}
    </span>
  );
}
