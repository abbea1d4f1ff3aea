// Saved reports and their mail schedules as the REST API gives them (docs/reports.md).
import type { ReportDefinition } from "./types";

export interface SavedReport {
  id: string;
  name: string;
  description: string;
  definition: ReportDefinition;
  chart: string;
  shared: boolean;
  owner_id: string;
}

export interface Schedule {
  id: string;
  report_id: string | null;
  dashboard_id: string | null;
  format: "xlsx" | "csv";
  recipients: string[];
  frequency: "daily" | "weekly" | "monthly";
  hour: number;
  weekday: number;       // 1 = Monday
  day_of_month: number;  // 1..28
  active: boolean;
  owner_id: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string;
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

// "Every Monday at 08:00", in the workspace's time zone.
export function scheduleText(s: Pick<Schedule, "frequency" | "hour" | "weekday" | "day_of_month">): string {
  const at = `${String(s.hour).padStart(2, "0")}:00`;
  switch (s.frequency) {
    case "daily": return `Every day at ${at}`;
    case "weekly": return `Every ${WEEKDAYS[(s.weekday - 1 + 7) % 7]} at ${at}`;
    case "monthly": return `Monthly on day ${s.day_of_month} at ${at}`;
  }
}
