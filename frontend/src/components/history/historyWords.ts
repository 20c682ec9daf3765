import type { HistoryItem } from "../../api/companionApi";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A readable local time; the raw value when it does not parse. */
export function when(at: string): string {
  const t = Date.parse(at);
  return Number.isNaN(t) ? at : timeFormat.format(t);
}

/** "3 min ago", "just now": for the last check. */
export function ago(at: string, now: number = Date.now()): string {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return at;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  return when(at);
}

/** The Details cell: what the entry adds to its title, never the title again (older entries began with it). */
export function detailsOf(item: Pick<HistoryItem, "summary" | "title">): string {
  const { summary, title } = item;
  if (summary === title) return "";
  return summary.startsWith(`${title}: `) ? summary.slice(title.length + 2) : summary;
}

/** Who and where, for the Clinic cell: "Riverside Clinic · Dr. Ada Moss". */
export function whereAndWho(item: Pick<HistoryItem, "clinicName" | "personName">): string {
  return item.personName ? `${item.clinicName} · ${item.personName}` : item.clinicName;
}
