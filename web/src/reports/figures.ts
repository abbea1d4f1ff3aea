// Turning a report's result into what a chart or a tile shows: the labels of its
// groups, its series, a KPI's figure and its trend. Pure functions, unit-tested.
import type { FieldValue, Money } from "../api/types";
import { formatMoney, formatNumber, isMoney } from "../fields/format";
import { kpiFigureText } from "./kpis";
import type { ReportResult, ReportRow } from "./types";

export function numberOf(value: FieldValue | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (isMoney(value)) return Number(value.amount);
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return null;
}

export function figureText(value: FieldValue | undefined, compact = false): string {
  if (value === null || value === undefined) return "–";
  if (isMoney(value)) return formatMoney(value as Money, compact);
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string" && value !== "" && !Number.isNaN(Number(value))) return formatNumber(Number(value));
  return String(value);
}

// A duration's column ("avg(close_date - created_at)"; no field name holds a '-'):
// its figures are days, which read to a tenth as the KPIs' sales cycle does. `unit`
// adds the word where no column's label says it (a KPI tile).
export function isDuration(column: string): boolean {
  return column.includes("-");
}
export function daysText(value: FieldValue | undefined, unit = false): string {
  const days = numberOf(value);
  if (days === null) return "–";
  return unit ? kpiFigureText("days", { value: String(days) }) : formatNumber(days, 1);
}

export function keyText(value: FieldValue | undefined): string {
  if (value === null || value === undefined || value === "") return "(none)";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

// How a grouping's keys read and sort: a picklist's by its options' labels and order
// (a pipeline's stages in the pipeline's order, not the alphabet's).
export interface KeyStyle {
  text: (column: string, value: FieldValue | undefined) => string;
  rank: (column: string, value: FieldValue | undefined) => number;  // -1: keep the result's order
}
export const plainKeys: KeyStyle = { text: (_c, v) => keyText(v), rank: () => -1 };

export function keyStyleFor(fields: { name: string; type: string; options?: { value: string; label: string }[] }[]): KeyStyle {
  const picklist = (column: string) => {
    const f = fields.find((x) => x.name === column);
    return f && f.type === "picklist" && f.options ? f.options : null;
  };
  return {
    text: (column, value) => {
      const options = picklist(column);
      const option = options && typeof value === "string" ? options.find((o) => o.value === value) : undefined;
      return option ? option.label : keyText(value);
    },
    rank: (column, value) => {
      const options = picklist(column);
      if (!options) return -1;
      const i = options.findIndex((o) => o.value === value);
      return i < 0 ? options.length : i;
    },
  };
}

// The result's grouping and aggregate columns, in order.
export function groupColumns(result: ReportResult): string[] {
  return result.columns.filter((c) => c.kind === "group").map((c) => c.name);
}
export function aggregateColumns(result: ReportResult): string[] {
  return result.columns.filter((c) => c.kind === "aggregate").map((c) => c.name);
}

// A KPI: the first aggregate of the grand total, one figure per currency.
export function kpiFigures(result: ReportResult | null): FieldValue[] {
  if (!result) return [];
  const measure = aggregateColumns(result)[0];
  const rows = result.totals ?? result.rows;
  return rows.map((row) => row[measure] ?? null);
}

// The change from `before` to `now`, as a signed fraction; null when it cannot be said.
export function trend(now: FieldValue[], before: FieldValue[]): number | null {
  if (now.length !== 1 || before.length > 1) return null;
  const a = numberOf(now[0]);
  const b = before.length === 0 ? 0 : numberOf(before[0]);
  if (a === null || b === null || b === 0) return null;
  return (a - b) / Math.abs(b);
}

export interface Series {
  labels: string[];
  rowKeys: ReportRow[];  // per label: the keys of the whole group along the axis
  // Each dataset's name and a value per label (null where the group is empty).
  datasets: { name: string; values: (number | null)[]; keys: ReportRow[] }[];
}

// Bars, lines, pies and funnels: the first grouping along the axis and one dataset per
// aggregate; a matrix (or a summary of two groupings) one dataset per key of the
// second grouping, of the first aggregate. `keys` are each point's group keys (for
// drilling into it).
export function seriesOf(result: ReportResult, style: KeyStyle = plainKeys): Series {
  const groups = groupColumns(result);
  const measures = aggregateColumns(result);
  const [axis, split] = groups;
  const keyText = (column: string, value: FieldValue | undefined) => style.text(column, value);
  const firstSeen: FieldValue[] = [];
  for (const row of result.rows) {
    if (!firstSeen.some((k) => keyText(axis, k) === keyText(axis, row[axis]))) firstSeen.push(row[axis] ?? null);
  }
  // Stable: keys the style does not rank keep the result's order.
  const axisKeys = firstSeen
    .map((k, i) => ({ k, i, r: style.rank(axis, k) }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r === -1 || b.r === -1 ? a.i - b.i : a.r - b.r))
    .map((x) => x.k);
  const labels = axisKeys.map((k) => keyText(axis, k));
  const rowKeys: ReportRow[] = axisKeys.map((k) => ({ [axis]: k }));
  if (split === undefined) {
    return {
      labels,
      rowKeys,
      datasets: measures.map((m) => {
        const values: (number | null)[] = labels.map(() => null);
        const keys: ReportRow[] = axisKeys.map((k) => ({ [axis]: k }));
        for (const row of result.rows) {
          const i = labels.indexOf(keyText(axis, row[axis]));
          values[i] = (values[i] ?? 0) + (numberOf(row[m]) ?? 0);
        }
        const column = result.columns.find((c) => c.name === m);
        return { name: column?.label ?? m, values, keys };
      }),
    };
  }
  const measure = measures[0];
  const splitKeys: FieldValue[] = [];
  for (const row of result.rows) {
    if (!splitKeys.some((k) => keyText(split, k) === keyText(split, row[split]))) splitKeys.push(row[split] ?? null);
  }
  const names = splitKeys
    .map((k, i) => ({ k, i, r: style.rank(split, k) }))
    .sort((a, b) => (a.r === b.r || a.r === -1 || b.r === -1 ? a.i - b.i : a.r - b.r))
    .map((x) => keyText(split, x.k));
  return {
    labels,
    rowKeys,
    datasets: names.map((name) => {
      const values: (number | null)[] = labels.map(() => null);
      const keys: ReportRow[] = axisKeys.map((k) => ({ [axis]: k }));
      for (const row of result.rows) {
        if (keyText(split, row[split]) !== name) continue;
        const i = labels.indexOf(keyText(axis, row[axis]));
        values[i] = (values[i] ?? 0) + (numberOf(row[measure]) ?? 0);
        keys[i] = { [axis]: row[axis] ?? null, [split]: row[split] ?? null };
      }
      return { name, values, keys };
    }),
  };
}

// A table's rows with picklist groups in their options' order (stages as the pipeline
// runs), level by level; other keys keep the result's order. Used when the report has
// no sort of its own.
export function rowsInKeyOrder(rows: ReportRow[], groups: string[], style: KeyStyle): ReportRow[] {
  return [...rows].sort((a, b) => {
    for (const g of groups) {
      const ra = style.rank(g, a[g]), rb = style.rank(g, b[g]);
      if (ra === -1 || rb === -1) return 0;
      if (ra !== rb) return ra - rb;
    }
    return 0;
  });
}
