import "../../styles/accounts.css";

export interface LaunchNoticeProps {
  title: string;
  message: string;
  onDismiss: () => void;
}

/** Why an `open` or a link went nowhere, above whatever the window shows. */
export function LaunchNotice({ title, message, onDismiss }: LaunchNoticeProps) {
  return (
    <div className="inline-error launch-notice" role="alert">
      <p className="inline-error__message">{title}</p>
      <p className="inline-error__fix">{message}</p>
      <button type="button" className="button button--secondary button--small launch-notice__dismiss" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
