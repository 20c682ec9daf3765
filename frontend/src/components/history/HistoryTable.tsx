import type { HistoryItem } from "../../api/companionApi";
import { detailsOf, when, whereAndWho } from "./historyWords";

/** History's lines, newest first; Fullscript's new events are marked New. */
export function HistoryTable({ items, showClinic = true }: { items: HistoryItem[]; showClinic?: boolean }) {
  return (
    <table className="history__table">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">Patient</th>
          {showClinic && <th scope="col">Clinic</th>}
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {items.map((it) => (
          <tr key={it.id} className={it.unread ? "history__row history__row--new" : "history__row"}>
            <td>
              <time dateTime={it.at}>{when(it.at)}</time>
            </td>
            <td>
              <span className={`history__kind history__kind--${it.category}`}>{it.title}</span>
              {it.unread && <span className="history__new">New</span>}
              {it.source === "fullscript" && <span className="history__source">from Fullscript</span>}
            </td>
            <td>{it.patientName || <span className="history__none">—</span>}</td>
            {showClinic && <td>{whereAndWho(it)}</td>}
            <td>{detailsOf(it)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
