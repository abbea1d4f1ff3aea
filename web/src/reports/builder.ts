// The report builder's model: a report definition (docs/reports.md) as the form a
// person edits, and back. Which fields can be grouped or measured, and how, is decided
// here from metadata, so the page only draws controls. Pure functions, unit-tested;
// the server stays the authority and its errors are mapped back onto the controls.
import type { FieldMeta, FieldType, ObjectMeta, PicklistOption } from "../api/types";
import { relationOf } from "./paths";
import type { ChartType, ReportDefinition } from "./types";

export type ReportType = ReportDefinition["type"];
export const BUCKETS = ["day", "week", "month", "quarter", "year"] as const;
export type Bucket = (typeof BUCKETS)[number];
export const AGGREGATE_FNS = ["count", "count_distinct", "sum", "avg", "median", "min", "max"] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

export interface Grouping {
  field: string;       // "stage", or a related record's field: "company.industry"
  bucket: Bucket | ""; // date and datetime fields only
}

export interface Aggregate {
  fn: AggregateFn;
  field: string;       // "" with count: the records themselves
  // A duration: each record's days from this date or datetime field to `field`
  // ("avg(close_date - created_at)", the sales cycle). Absent otherwise.
  since?: string;
}

export interface ReportForm {
  type: ReportType;
  object: string;
  filter: string;
  columns: string[];     // tabular
  groupBy: Grouping[];   // summary: the levels; matrix: the rows
  across: Grouping[];    // matrix: the columns
  aggregates: Aggregate[];
  sortKey: string;       // tabular: a field; summary and matrix: an aggregate's name; "" for the default order
  descending: boolean;
  limit: string;         // as typed; "" for the server's default
  convert: boolean;      // summary and matrix: money in the workspace's currency
  rateDate: string;      // the date or datetime field whose day's rate converts; "" for today's
}

// A field a report can use: the object's own, or one of a related record's (one lookup
// deep, as in filters), labelled "Company: Industry".
export interface ReportField {
  name: string;
  label: string;
  type: FieldType;
  options?: PicklistOption[];
  relation?: string;     // the lookup's relation name ("company") for a related field
  encrypted: boolean;
  sortable: boolean;     // a list (a tabular report) can be sorted by it
}

export const MAX_GROUPINGS = 3;
export const MAX_ACROSS = 2;

const NUMERIC: FieldType[] = ["integer", "decimal", "percent", "currency"];
const DATED: FieldType[] = ["date", "datetime"];
// Not groupable by the record engine: money (it is split per currency instead),
// multi-selects and long text.
const UNGROUPABLE: FieldType[] = ["currency", "multi_picklist", "long_text", "id"];
const HIDDEN = new Set(["id", "version"]);


function own(field: FieldMeta): ReportField {
  return {
    name: field.name, label: field.label, type: field.type, options: field.options, encrypted: Boolean(field.encryption),
    sortable: field.sortable !== false,
  };
}

export function reportFields(meta: ObjectMeta, objectOf: (name: string) => ObjectMeta | undefined): ReportField[] {
  const fields = meta.fields.filter((f) => !HIDDEN.has(f.name));
  const related = fields
    .filter((f) => f.type === "lookup" && f.target)
    .flatMap((lookup) => {
      const target = objectOf(lookup.target!);
      if (!target) return [];
      const relation = relationOf(lookup);
      return target.fields
        .filter((f) => !HIDDEN.has(f.name))
        .map((f) => ({ ...own(f), name: `${relation}.${f.name}`, label: `${lookup.label}: ${f.label}`, relation }));
    });
  return [...fields.map(own), ...related];
}

// The columns a tabular report may show: the object's fields, then each related
// record's through a lookup ("company.industry", labelled "Company: Industry").
export function columnFields(meta: ObjectMeta, objectOf: (name: string) => ObjectMeta | undefined): FieldMeta[] {
  const fields = meta.fields.filter((f) => !HIDDEN.has(f.name));
  const related = fields
    .filter((f) => f.type === "lookup" && f.target)
    .flatMap((lookup) => (objectOf(lookup.target!)?.fields ?? [])
      .filter((f) => !HIDDEN.has(f.name))
      .map((f) => ({ ...f, name: `${relationOf(lookup)}.${f.name}`, label: `${lookup.label}: ${f.label}` })));
  return [...fields, ...related];
}

export function canGroupBy(field: ReportField): boolean {
  return !field.encrypted && !UNGROUPABLE.includes(field.type);
}

export function canBucket(field: ReportField | undefined): boolean {
  return field !== undefined && DATED.includes(field.type);
}

// What an aggregate may measure with this field's values: counts of anything; sums,
// averages and medians of numbers, money and percents; lowest and highest of those and
// dates. A sum, an average or a median of a date is a duration's (DURATION_FNS below).
export function aggregatesFor(field: ReportField): AggregateFn[] {
  if (field.encrypted) return [];
  const counts: AggregateFn[] = field.type === "long_text" || field.type === "multi_picklist" ? ["count"] : ["count", "count_distinct"];
  if (NUMERIC.includes(field.type)) return [...counts, "sum", "avg", "median", "min", "max"];
  if (DATED.includes(field.type)) return [...counts, "min", "max"];
  return counts;
}

// The functions that take a duration, as the server has it: the days between two
// dates add up, average and compare, but a count of them is just a count of records.
export const DURATION_FNS: AggregateFn[] = ["sum", "avg", "median", "min", "max"];

// The fields a duration runs between: dates and datetimes, the object's own or a
// related record's (as a plain measure may name them).
export function durationFields(fields: ReportField[]): ReportField[] {
  return fields.filter((f) => !f.encrypted && DATED.includes(f.type));
}

// What a duration ending at `field` may be counted from: the other dates.
export function sinceFields(fields: ReportField[], field: string): ReportField[] {
  return durationFields(fields).filter((f) => f.name !== field);
}

// Whether the measure's function and field make a duration possible (the builder then
// offers its "since"): a date that another date can be counted from.
export function canMeasureSince(fields: ReportField[], fn: AggregateFn, field: string): boolean {
  return DURATION_FNS.includes(fn) && durationFields(fields).some((f) => f.name === field) && sinceFields(fields, field).length > 0;
}

// Whether the measure is only a duration: a sum, an average or a median of a date.
export function needsSince(fields: ReportField[], fn: AggregateFn, field: string): boolean {
  return canMeasureSince(fields, fn, field) && !fields.some((f) => f.name === field && aggregatesFor(f).includes(fn));
}

// The fields an aggregate of `fn` may measure: those whose values it takes, and for a
// sum, an average or a median also the dates, which it takes as durations.
export function measurableFields(fields: ReportField[], fn: AggregateFn): ReportField[] {
  return fields.filter((f) => aggregatesFor(f).includes(fn) || canMeasureSince(fields, fn, f.name));
}

// The date a new duration ending at `field` is counted from: the record's creation
// (a deal's age, its sales cycle), else the first other date.
export function defaultSince(fields: ReportField[], field: string): string {
  const others = sinceFields(fields, field);
  return (others.find((f) => f.name === "created_at") ?? others[0])?.name ?? "";
}

// A measure whose function changed: it keeps its field, and its duration, where the new
// function takes them, else it measures the first field the function takes by value (a
// number, before any date). A count has no duration; a sum, an average or a median of a
// date is one, counted from defaultSince() until another is chosen.
export function measureWithFn(a: Aggregate, fn: AggregateFn, fields: ReportField[]): Aggregate {
  if (fn === "count") return { fn, field: a.field };
  const current = fields.find((f) => f.name === a.field);
  const kept = current && (aggregatesFor(current).includes(fn) || canMeasureSince(fields, fn, current.name));
  const field = kept ? current.name
    : (fields.find((f) => aggregatesFor(f).includes(fn)) ?? measurableFields(fields, fn)[0])?.name ?? "";
  return measureWithField({ fn, field, since: kept ? a.since : undefined }, field, fields);
}

// A measure whose field changed: a field that is not a date ends its duration; a date
// keeps it while it is counted from another date, and a sum, an average or a median of
// a date, which is only a duration, gets defaultSince().
export function measureWithField(a: Aggregate, field: string, fields: ReportField[]): Aggregate {
  const measured = { fn: a.fn, field };
  if (!canMeasureSince(fields, a.fn, field)) return measured;
  const since = a.since && a.since !== field ? a.since : "";
  if (since || needsSince(fields, a.fn, field)) return { ...measured, since: since || defaultSince(fields, field) };
  return measured;
}

const FN_LABELS: Record<AggregateFn, string> = {
  count: "Count", count_distinct: "Count distinct", sum: "Sum", avg: "Average", median: "Median", min: "Lowest", max: "Highest",
};
export function fnLabel(fn: AggregateFn): string {
  return FN_LABELS[fn];
}

// The aggregate's name in a definition and a result's columns: "count", "sum(amount)",
// "avg(close_date - created_at)".
export function aggregateName(a: Aggregate): string {
  if (a.field === "") return "count";
  return a.since ? `${a.fn}(${a.field} - ${a.since})` : `${a.fn}(${a.field})`;
}

// How it reads: "Sum of Amount", "Count of records", "Average Close date − Created
// (days)", as the server labels its columns.
export function aggregateLabel(a: Aggregate, fields: ReportField[]): string {
  const labelOf = (name: string) => fields.find((f) => f.name === name)?.label ?? name;
  const label = a.since ? `${labelOf(a.field)} − ${labelOf(a.since)} (days)` : labelOf(a.field);
  if (a.field === "") return "Count of records";
  switch (a.fn) {
    case "count": return `Count of ${label} (set)`;
    case "count_distinct": return `Distinct ${label}`;
    case "sum": return `Sum of ${label}`;
    case "avg": return `Average ${label}`;
    case "median": return `Median ${label}`;
    case "min": return `Lowest ${label}`;
    case "max": return `Highest ${label}`;
  }
}

// "sum(amount)", "sum:amount", "count", "avg(close_date - created_at)": a duration's
// two fields split at the '-', which no field name holds (as the server splits them).
export function parseAggregate(text: string): Aggregate | null {
  const t = text.trim();
  if (t === "count" || t === "count()") return { fn: "count", field: "" };
  const match = /^([a-z_]+)\s*(?:\((.*)\)|:(.*))$/.exec(t);
  if (!match) return null;
  const fn = match[1] as AggregateFn;
  if (!AGGREGATE_FNS.includes(fn)) return null;
  const measured = match[2] ?? match[3] ?? "";
  const minus = measured.indexOf("-");
  const field = (minus < 0 ? measured : measured.slice(0, minus)).trim();
  if (field === "" && fn !== "count") return null;
  if (minus < 0) return { fn, field };
  const since = measured.slice(minus + 1).trim();
  return field === "" || since === "" ? null : { fn, field, since };
}

export function parseGrouping(item: string | { field: string; bucket?: string | null }): Grouping {
  if (typeof item === "string") {
    const [field, bucket] = item.split(":", 2);
    return { field, bucket: BUCKETS.includes(bucket as Bucket) ? (bucket as Bucket) : "" };
  }
  return { field: item.field, bucket: BUCKETS.includes(item.bucket as Bucket) ? (item.bucket as Bucket) : "" };
}

// Where a definition's sort points: "-sum(amount)" -> key "sum(amount)", descending.
function parseSort(sort: string): { sortKey: string; descending: boolean } {
  const first = sort.split(",")[0]?.trim() ?? "";
  if (first.startsWith("-")) return { sortKey: first.slice(1), descending: true };
  return { sortKey: first.replace(/^\+/, ""), descending: false };
}

export function formFromDefinition(d: Partial<ReportDefinition> & { object: string }): ReportForm {
  const type = d.type ?? "summary";
  return {
    type,
    object: d.object,
    filter: d.filter ?? "",
    columns: d.columns ?? [],
    groupBy: (d.group_by ?? []).map(parseGrouping),
    across: (d.across ?? []).map(parseGrouping),
    aggregates: (d.aggregates ?? []).map(parseAggregate).filter((a): a is Aggregate => a !== null),
    ...parseSort(d.sort ?? ""),
    limit: d.limit === undefined || d.limit === null ? "" : String(d.limit),
    convert: d.convert === true,
    rateDate: d.convert === true ? (d.rate_date ?? "") : "",
  };
}

function groupingJson(g: Grouping): { field: string; bucket?: string } {
  return g.bucket ? { field: g.field, bucket: g.bucket } : { field: g.field };
}

// The sort keys the form offers: a tabular report's sortable own fields; a summary's or
// a matrix's aggregates.
export function sortKeys(form: ReportForm, fields: ReportField[]): { key: string; label: string }[] {
  if (form.type === "tabular") {
    return fields.filter((f) => !f.relation && f.sortable && f.type !== "long_text" && f.type !== "multi_picklist")
      .map((f) => ({ key: f.name, label: f.label }));
  }
  const seen = new Set<string>();
  return effectiveAggregates(form).flatMap((a) => {
    const key = aggregateName(a);
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ key, label: aggregateLabel(a, fields) }];
  });
}

// A summary with no aggregate chosen counts its records (the server's default too).
export function effectiveAggregates(form: ReportForm): Aggregate[] {
  return form.aggregates.length > 0 ? form.aggregates : [{ fn: "count", field: "" }];
}

// Aggregates that add up money across currencies once converted; a median or a
// distinct count is not the sum of its currencies' parts (the server refuses those).
const CONVERTING: AggregateFn[] = ["sum", "avg", "min", "max"];

// Whether the report can convert money into the workspace's currency: a summary or a
// matrix that adds up, averages or compares a money field.
export function convertible(form: ReportForm, fields: ReportField[]): boolean {
  if (form.type === "tabular") return false;
  return form.aggregates.some((a) => CONVERTING.includes(a.fn) && fields.find((f) => f.name === a.field)?.type === "currency");
}

// The fields whose day's exchange rate may convert a record's money: the object's own
// dates and datetimes (a deal's close date).
export function rateDateFields(fields: ReportField[]): ReportField[] {
  return fields.filter((f) => !f.relation && !f.encrypted && DATED.includes(f.type));
}

// The definition the server runs and saves. Members that do not apply to the type are
// left out (a tabular report has no groupings), and a sort that no longer names one of
// the form's keys (its aggregate was removed) falls back to the default order. With
// `fields`, conversion is asked only of a report that measures money (convertible()).
export function definitionFromForm(form: ReportForm, fields?: ReportField[]): ReportDefinition {
  const tabular = form.type === "tabular";
  const sorted = form.sortKey !== "" && (tabular || effectiveAggregates(form).some((a) => aggregateName(a) === form.sortKey));
  const sort = sorted ? `${form.descending ? "-" : ""}${form.sortKey}` : "";
  const limit = Number(form.limit);
  const definition: ReportDefinition = {
    type: form.type,
    object: form.object,
    filter: form.filter.trim(),
    columns: tabular ? form.columns : [],
    group_by: tabular ? [] : form.groupBy.filter((g) => g.field).map(groupingJson),
    across: form.type === "matrix" ? form.across.filter((g) => g.field).map(groupingJson) : [],
    aggregates: tabular ? [] : form.aggregates.map(aggregateName),
    sort,
  };
  if (form.limit.trim() !== "" && Number.isInteger(limit)) definition.limit = limit;
  if (form.convert && !tabular && (!fields || convertible(form, fields))) {
    definition.convert = true;
    if (form.rateDate) definition.rate_date = form.rateDate;
  }
  return definition;
}

// A new report of an object: its records counted by stage (as the board shows deals)
// or its first picklist, or a summary of its total when it has none.
export function newForm(meta: ObjectMeta): ReportForm {
  const picklists = meta.fields.filter((f) => f.type === "picklist" && !f.encryption);
  const first = picklists.find((f) => f.name === "stage") ?? picklists[0];
  return {
    type: "summary",
    object: meta.name,
    filter: "",
    columns: [meta.title_field],
    groupBy: first ? [{ field: first.name, bucket: "" }] : [],
    across: [],
    aggregates: [{ fn: "count", field: "" }],
    sortKey: "",
    descending: false,
    limit: "",
    convert: false,
    rateDate: "",
  };
}

// Switching type keeps what still applies: a matrix's rows become a summary's levels,
// and a matrix needs something across.
export function withType(form: ReportForm, type: ReportType, meta: ObjectMeta): ReportForm {
  const next: ReportForm = { ...form, type, sortKey: "", descending: false };
  if (type === "tabular" && next.columns.length === 0) next.columns = [meta.title_field];
  if (type !== "tabular" && next.groupBy.length === 0) next.groupBy = newForm(meta).groupBy;
  if (type === "matrix") {
    next.groupBy = next.groupBy.slice(0, MAX_GROUPINGS - 1);
    if (next.across.length === 0) {
      // Across: the summary's second level, else the object's first date by quarter
      // (deals by stage, across close dates), else nothing yet.
      const date = meta.fields.find((f) => DATED.includes(f.type) && !f.encryption && !HIDDEN.has(f.name));
      const other = [...next.groupBy.slice(1), ...(date ? [{ field: date.name, bucket: "quarter" as const }] : [])];
      next.across = other.slice(0, 1);
      next.groupBy = next.groupBy.slice(0, 1);
    }
  }
  if (type === "summary" && form.type === "matrix") next.groupBy = [...form.groupBy, ...form.across].slice(0, MAX_GROUPINGS);
  return next;
}

// Whether the form is complete enough to run: the server would only refuse it.
export function runnable(form: ReportForm): boolean {
  if (!form.object) return false;
  if (form.type === "tabular") return form.columns.length > 0;
  if (form.type === "matrix") return form.groupBy.some((g) => g.field) && form.across.some((g) => g.field);
  return true;
}

// The charts a saved report of this shape can be drawn as (docs/reports.md): a list is
// a table; a total a KPI tile; one grouping any chart; two a bar, stacked bar or line
// chart split by the second.
export function chartsFor(form: ReportForm): ChartType[] {
  if (form.type === "tabular") return ["table"];
  const levels = form.groupBy.filter((g) => g.field).length + (form.type === "matrix" ? form.across.filter((g) => g.field).length : 0);
  if (levels === 0) return ["kpi", "table"];
  if (levels === 1) return ["bar", "line", "funnel", "pie", "donut", "table"];
  return ["stacked_bar", "bar", "line", "table"];
}

// A chart the form allows: the one chosen if it still fits, else the shape's first.
export function fittingChart(form: ReportForm, chosen: ChartType): ChartType {
  const allowed = chartsFor(form);
  return allowed.includes(chosen) ? chosen : allowed[0];
}

// The form's controls, as the server's field errors name them: "group_by",
// "aggregates[1]", "definition.sort" (saving nests the definition's members).
export type Control = "type" | "object" | "filter" | "columns" | "group_by" | "across" | "aggregates" | "sort" | "limit"
  | "convert" | "rate_date" | "name" | "description" | "chart" | "shared";
const CONTROLS: Control[] = ["type", "object", "filter", "columns", "group_by", "across", "aggregates", "sort", "limit",
  "convert", "rate_date", "name", "description", "chart", "shared"];

export function controlOf(field: string): Control | null {
  const member = /^[a-z_]+/.exec(field.replace(/^definition\./, ""))?.[0] ?? "";
  return CONTROLS.includes(member as Control) ? (member as Control) : null;
}

// Each control's messages; what names no control is under "" (shown with the preview).
export function errorsByControl(errors: { field: string; message: string }[]): Partial<Record<Control | "", string>> {
  const out: Partial<Record<Control | "", string>> = {};
  for (const e of errors) {
    const control = controlOf(e.field) ?? "";
    out[control] = out[control] ? `${out[control]} ${e.message}` : e.message;
  }
  return out;
}

// A refused run's or save's messages by control. The expression parser's errors name
// no member ("Unexpected character at position 7"): a 400 naming none, of a report
// with a filter, is the filter's; anything else (a 403, a 404) is the report's own.
export function problemByControl(problem: { status: number; message: string; fieldErrors: { field: string; message: string }[] }, hasFilter: boolean): Partial<Record<Control | "", string>> {
  const byControl = errorsByControl(problem.fieldErrors);
  if (Object.keys(byControl).length > 0) return byControl;
  return problem.status === 400 && hasFilter ? { filter: problem.message } : { "": problem.message };
}
