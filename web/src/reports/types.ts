// Reports and dashboards as the REST API gives them (docs/reports.md).
import type { FieldValue } from "../api/types";
import type { KpiResult } from "./kpis";

export type ChartType = "table" | "bar" | "stacked_bar" | "line" | "funnel" | "pie" | "donut" | "kpi";

export const CHART_LABELS: Record<ChartType, string> = {
  table: "Table", bar: "Bar chart", stacked_bar: "Stacked bars", line: "Line chart", funnel: "Funnel",
  pie: "Pie chart", donut: "Donut chart", kpi: "KPI tile",
};

export interface ReportColumn {
  name: string;
  label: string;
  type: string;
  kind: "field" | "group" | "aggregate";
}

export interface ReportDefinition {
  type: "tabular" | "summary" | "matrix";
  object: string;
  filter: string;
  columns: string[];
  group_by: { field: string; bucket?: string }[];
  across: { field: string; bucket?: string }[];
  aggregates: string[];
  sort: string;
  limit?: number;
  // Summary and matrix: money added up in the workspace's currency, each record at the
  // exchange rate of its `rate_date` field's day (today's when "" or absent).
  convert?: boolean;
  rate_date?: string;
}

export type ReportRow = Record<string, FieldValue>;

export interface ReportResult {
  definition: ReportDefinition;
  columns: ReportColumn[];
  rows: ReportRow[];
  totals?: ReportRow[];
  subtotals?: ReportRow[];
  row_totals?: ReportRow[];
  column_totals?: ReportRow[];
  truncated?: boolean;
  next_cursor?: string | null;  // a tabular report's next page
}

export interface DashboardWidget {
  id: string;
  report_id: string;
  kpi?: string | null;  // a KPI of the catalogue instead of a report
  title: string;
  chart: ChartType | null;
  x: number;
  y: number;
  w: number;
  h: number;
  date_field: string;
}

export interface DashboardFilters {
  period: string;
  owner: string;
  team: string;
}

export interface Dashboard {
  id: string;
  name: string;
  description: string;
  widgets: DashboardWidget[];
  filters: DashboardFilters;
  shared: boolean;
  owner_id: string;
}

export interface WidgetRun {
  widget: DashboardWidget;
  object: string;
  filter: string;
  result: ReportResult | null;
  previous: ReportResult | null;
  kpi?: KpiResult | null;  // a KPI widget's figure
  error: { status: number; detail: string } | null;
}

export interface DashboardRun {
  dashboard: Dashboard;
  filters: DashboardFilters;
  period: { from: string; to: string } | null;
  previous_period: { from: string; to: string } | null;
  widgets: WidgetRun[];
}

export const PERIODS: { value: string; label: string }[] = [
  { value: "", label: "All time" },
  { value: "today", label: "Today" },
  { value: "this_week", label: "This week" },
  { value: "last_week", label: "Last week" },
  { value: "this_month", label: "This month" },
  { value: "last_month", label: "Last month" },
  { value: "this_quarter", label: "This quarter" },
  { value: "last_quarter", label: "Last quarter" },
  { value: "this_year", label: "This year" },
  { value: "last_year", label: "Last year" },
  { value: "last_30_days", label: "Last 30 days" },
  { value: "last_90_days", label: "Last 90 days" },
];
