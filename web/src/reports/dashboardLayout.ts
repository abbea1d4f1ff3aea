// Editing a dashboard's widgets (docs/reports.md, Dashboards): the editor keeps them
// as an ordered list, moved earlier or later and resized by width and height, and
// lays them out in that reading order on the 12-column grid, row by row, when saving.
// Pure functions, unit-tested.
import type { FieldMeta } from "../api/types";
import type { ChartType, DashboardWidget, ReportDefinition } from "./types";

export const GRID_COLUMNS = 12;
export const MAX_WIDGETS = 24;
export const MAX_HEIGHT = 24;

export interface EditedWidget {
  key: string;           // the widget's id, or a new one's local key (the server names new widgets)
  id: string;            // "" for a widget not saved yet
  report_id: string;     // a saved report, or
  kpi: string;           // a KPI of the catalogue
  title: string;         // "" for the report's or the KPI's name
  chart: ChartType | null; // null for the report's own chart
  w: number;
  h: number;
  date_field: string;
}

// The widgets in reading order: top to bottom, then left to right.
export function editedWidgets(widgets: DashboardWidget[]): EditedWidget[] {
  return [...widgets]
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((w) => ({
      key: w.id, id: w.id, report_id: w.kpi ? "" : w.report_id, kpi: w.kpi ?? "", title: w.title, chart: w.chart,
      w: clamp(w.w, 1, GRID_COLUMNS), h: clamp(w.h, 1, MAX_HEIGHT), date_field: w.date_field,
    }));
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(n)));
}

// Positions in reading order: each widget right of the one before when it fits in the
// row, else at the start of a new row below the row's tallest widget.
export function layout(widgets: Pick<EditedWidget, "w" | "h">[]): { x: number; y: number }[] {
  let x = 0, y = 0, rowHeight = 0;
  return widgets.map((widget) => {
    if (x + widget.w > GRID_COLUMNS) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const at = { x, y };
    x += widget.w;
    rowHeight = Math.max(rowHeight, widget.h);
    return at;
  });
}

export function moveWidget(widgets: EditedWidget[], index: number, by: number): EditedWidget[] {
  const to = index + by;
  if (to < 0 || to >= widgets.length) return widgets;
  const next = [...widgets];
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item);
  return next;
}

export function resizeWidget(widgets: EditedWidget[], index: number, size: { w?: number; h?: number }): EditedWidget[] {
  return widgets.map((widget, i) => (i !== index ? widget : {
    ...widget,
    w: size.w === undefined ? widget.w : clamp(size.w, 1, GRID_COLUMNS),
    h: size.h === undefined ? widget.h : clamp(size.h, 1, MAX_HEIGHT),
  }));
}

let counter = 0;
// A widget to add: a saved report (drawn as its own chart unless one is chosen) or a KPI.
export function newWidget(source: { report_id: string } | { kpi: string }, w: number, chart: ChartType | null = null, dateField = ""): EditedWidget {
  counter += 1;
  const kpi = "kpi" in source ? source.kpi : "";
  return {
    key: `new-${counter}`, id: "", report_id: "report_id" in source ? source.report_id : "", kpi, title: "",
    chart: kpi ? null : chart, w: clamp(w, 1, GRID_COLUMNS), h: kpi ? 2 : 4, date_field: kpi ? "" : dateField,
  };
}

// The widgets as the API takes them, laid out. A new widget has no id (the server
// gives it one); a KPI widget names its KPI instead of a report.
export function widgetsJson(widgets: EditedWidget[]): Record<string, unknown>[] {
  const at = layout(widgets);
  return widgets.map((widget, i) => {
    const out: Record<string, unknown> = widget.kpi
      ? { kpi: widget.kpi }
      : { report_id: widget.report_id, chart: widget.chart, date_field: widget.date_field };
    if (widget.id) out.id = widget.id;
    return { ...out, title: widget.title, x: at[i].x, y: at[i].y, w: widget.w, h: widget.h };
  });
}

// The date or datetime fields a dashboard's period can filter a report's records by.
const BOOKKEEPING = new Set(["updated_at"]);
export function periodFields(fields: FieldMeta[]): FieldMeta[] {
  return fields.filter((f) => (f.type === "date" || f.type === "datetime") && !f.encryption && !BOOKKEEPING.has(f.name));
}

// Which field a new report widget follows the dashboard's period on: none when the
// report groups by a date (the server takes that grouping), else the object's first
// date of its own (a deal's close date), else when the record was created.
export function defaultDateField(definition: ReportDefinition, fields: FieldMeta[]): string {
  if (groupsByDate(definition, fields)) return "";
  const dated = periodFields(fields);
  return (dated.find((f) => f.name !== "created_at") ?? dated[0])?.name ?? "";
}

// Whether the report groups by one of the object's dates: a widget without a field of
// its own follows the period on that grouping.
export function groupsByDate(definition: ReportDefinition, fields: FieldMeta[]): boolean {
  const dated = periodFields(fields);
  return [...definition.group_by, ...definition.across].some((g) => dated.some((f) => f.name === g.field));
}
