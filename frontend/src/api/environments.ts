// How each Fullscript environment is named on screen.
const labels: Record<string, string> = {
  local: "Built-in sandbox",
  "us-snd": "US sandbox",
  "ca-snd": "Canada sandbox",
  us: "US",
  ca: "Canada",
  custom: "Custom server",
};

export function environmentLabel(id: string): string {
  return labels[id] ?? id;
}

/** Sandboxes hold test data only; the UI marks them so nobody mistakes one for production. */
export function isSandbox(id: string): boolean {
  return id === "local" || id.endsWith("-snd");
}
