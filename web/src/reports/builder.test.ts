import { describe, expect, it } from "vitest";
import type { FieldMeta, ObjectMeta } from "../api/types";
import {
  aggregateLabel, aggregateName, aggregatesFor, canBucket, canGroupBy, canMeasureSince, chartsFor, columnFields, controlOf, convertible,
  defaultSince, definitionFromForm, errorsByControl, fittingChart, measurableFields, measureWithField, measureWithFn, needsSince,
  problemByControl, formFromDefinition, newForm, parseAggregate, rateDateFields, reportFields, runnable, sinceFields, sortKeys, withType,
  type ReportForm,
} from "./builder";
import { fieldAt } from "./paths";

const field = (name: string, type: FieldMeta["type"], extra: Partial<FieldMeta> = {}): FieldMeta => ({
  name, label: name.replace(/_id$/, "").replace(/^./, (c) => c.toUpperCase()).replace(/_/g, " "), type,
  required: false, unique: false, read_only: false, custom: false, sortable: true, ...extra,
});

const companies: ObjectMeta = {
  name: "companies", label: "Company", label_plural: "Companies", custom: false, title_field: "name",
  fields: [field("id", "id"), field("version", "integer"), field("name", "text"), field("industry", "picklist", { options: [{ value: "saas", label: "SaaS" }] })],
};
const opportunities: ObjectMeta = {
  name: "opportunities", label: "Opportunity", label_plural: "Opportunities", custom: false, title_field: "name",
  fields: [
    field("id", "id"), field("version", "integer"), field("name", "text"), field("notes", "long_text"),
    field("pipeline", "picklist", { options: [{ value: "sales", label: "Sales" }] }), field("stage", "picklist", { options: [{ value: "won", label: "Won" }] }), field("amount", "currency"),
    field("probability", "percent"), field("close_date", "date"), field("created_at", "datetime"),
    field("tags", "multi_picklist"), field("secret", "text", { encryption: "random" }), field("blob", "text", { sortable: false }),
    field("company_id", "lookup", { target: "companies" }),
  ],
};
const objects = new Map([["companies", companies], ["opportunities", opportunities]]);
const fields = reportFields(opportunities, (n) => objects.get(n));
const byName = (name: string) => fields.find((f) => f.name === name)!;

describe("report fields", () => {
  it("are the object's own and its lookups' targets' fields, labelled with the lookup", () => {
    expect(fields.map((f) => f.name)).not.toContain("id");
    expect(fields.map((f) => f.name)).not.toContain("version");
    expect(byName("company.industry")).toMatchObject({ label: "Company: Industry", type: "picklist", relation: "company" });
    expect(fields.map((f) => f.name)).not.toContain("company.id");
  });

  it("give a tabular report related records' fields as columns, found again by their path", () => {
    const columns = columnFields(opportunities, (n) => objects.get(n));
    expect(columns.find((f) => f.name === "company.industry")).toMatchObject({ label: "Company: Industry", type: "picklist" });
    expect(columns.map((f) => f.name)).not.toContain("company.id");
    expect(fieldAt(opportunities, (n) => objects.get(n), "company.industry")?.options).toEqual([{ value: "saas", label: "SaaS" }]);
    expect(fieldAt(opportunities, (n) => objects.get(n), "stage")?.name).toBe("stage");
    expect(fieldAt(opportunities, (n) => objects.get(n), "owner.name")).toBeUndefined();
  });

  it("group by what the record engine groups by, with buckets on dates only", () => {
    expect(canGroupBy(byName("stage"))).toBe(true);
    expect(canGroupBy(byName("company.industry"))).toBe(true);
    expect(canGroupBy(byName("amount"))).toBe(false);     // money is split per currency instead
    expect(canGroupBy(byName("notes"))).toBe(false);
    expect(canGroupBy(byName("tags"))).toBe(false);
    expect(canGroupBy(byName("secret"))).toBe(false);     // encrypted
    expect(canBucket(byName("close_date"))).toBe(true);
    expect(canBucket(byName("created_at"))).toBe(true);
    expect(canBucket(byName("stage"))).toBe(false);
  });

  it("allow the aggregates their type allows", () => {
    expect(aggregatesFor(byName("amount"))).toEqual(["count", "count_distinct", "sum", "avg", "median", "min", "max"]);
    expect(aggregatesFor(byName("probability"))).toContain("median");
    expect(aggregatesFor(byName("close_date"))).toEqual(["count", "count_distinct", "min", "max"]);
    expect(aggregatesFor(byName("stage"))).toEqual(["count", "count_distinct"]);
    expect(aggregatesFor(byName("notes"))).toEqual(["count"]);
    expect(aggregatesFor(byName("secret"))).toEqual([]);
  });
});

describe("aggregates", () => {
  it("are named and read as the server names and labels them", () => {
    expect(aggregateName({ fn: "count", field: "" })).toBe("count");
    expect(aggregateName({ fn: "sum", field: "amount" })).toBe("sum(amount)");
    expect(aggregateName({ fn: "count_distinct", field: "company.name" })).toBe("count_distinct(company.name)");
    expect(aggregateLabel({ fn: "sum", field: "amount" }, fields)).toBe("Sum of Amount");
    expect(aggregateLabel({ fn: "count", field: "" }, fields)).toBe("Count of records");
    expect(aggregateLabel({ fn: "count_distinct", field: "company.industry" }, fields)).toBe("Distinct Company: Industry");
  });

  it("are read in both spellings, a duration as its two fields", () => {
    expect(parseAggregate("count")).toEqual({ fn: "count", field: "" });
    expect(parseAggregate("sum(amount)")).toEqual({ fn: "sum", field: "amount" });
    expect(parseAggregate("sum:amount")).toEqual({ fn: "sum", field: "amount" });
    expect(parseAggregate("avg(close_date - created_at)")).toEqual({ fn: "avg", field: "close_date", since: "created_at" });
    expect(parseAggregate("median:close_date-company.created_at")).toEqual({ fn: "median", field: "close_date", since: "company.created_at" });
    expect(parseAggregate("total(amount)")).toBeNull();
    expect(parseAggregate("sum()")).toBeNull();
    expect(parseAggregate("avg(close_date - )")).toBeNull();
    expect(parseAggregate("avg( - created_at)")).toBeNull();
  });

  it("name and label a duration as the server does, in days", () => {
    const cycle = { fn: "avg" as const, field: "close_date", since: "created_at" };
    expect(aggregateName(cycle)).toBe("avg(close_date - created_at)");
    expect(aggregateLabel(cycle, fields)).toBe("Average Close date − Created at (days)");
    expect(aggregateLabel({ fn: "max", field: "close_date", since: "company.founded" }, fields)).toBe("Highest Close date − company.founded (days)");
  });
});

describe("durations", () => {
  // The related company has a date too: a duration may be counted from it.
  const dated = { ...companies, fields: [...companies.fields, field("founded", "date"), field("secret_day", "date", { encryption: "random" })] };
  const withCompany = reportFields(opportunities, (n) => (n === "companies" ? dated : objects.get(n)));

  it("run between the dates and datetimes, also a related record's, never an encrypted one", () => {
    expect(sinceFields(withCompany, "close_date").map((f) => f.name)).toEqual(["created_at", "company.founded"]);
    expect(sinceFields(fields, "created_at").map((f) => f.name)).toEqual(["close_date"]);
    expect(canMeasureSince(fields, "avg", "close_date")).toBe(true);
    expect(canMeasureSince(fields, "max", "company.founded")).toBe(false);  // not a field here
    expect(canMeasureSince(withCompany, "max", "company.founded")).toBe(true);
    expect(canMeasureSince(withCompany, "avg", "company.secret_day")).toBe(false);
    expect(canMeasureSince(fields, "count", "close_date")).toBe(false);
    expect(canMeasureSince(fields, "count_distinct", "close_date")).toBe(false);
    expect(canMeasureSince(fields, "sum", "amount")).toBe(false);
    // An object with one date has nothing to count it from.
    const one = reportFields(companies, () => undefined);
    expect(canMeasureSince([...one, byName("close_date")], "avg", "close_date")).toBe(false);
  });

  it("offer dates to a sum, an average and a median only as durations, and lowest and highest with or without", () => {
    for (const fn of ["sum", "avg", "median"] as const) {
      const offered = measurableFields(fields, fn).map((f) => f.name);
      expect(offered).toEqual(expect.arrayContaining(["amount", "probability", "close_date", "created_at"]));
      expect(offered).not.toContain("stage");
      expect(needsSince(fields, fn, "close_date")).toBe(true);
      expect(needsSince(fields, fn, "amount")).toBe(false);
    }
    expect(needsSince(fields, "max", "close_date")).toBe(false);
    expect(measurableFields(fields, "min").map((f) => f.name)).toContain("close_date");
    // A date's own values still take only counts, lowest and highest.
    expect(aggregatesFor(byName("close_date"))).toEqual(["count", "count_distinct", "min", "max"]);
    expect(measurableFields(fields, "count_distinct").map((f) => f.name)).toContain("close_date");
  });

  it("are counted from the record's creation unless another date is chosen", () => {
    expect(defaultSince(fields, "close_date")).toBe("created_at");
    expect(defaultSince(fields, "created_at")).toBe("close_date");
    expect(defaultSince(withCompany, "company.founded")).toBe("created_at");
    expect(defaultSince(reportFields(companies, () => undefined), "name")).toBe("");
  });

  it("follow the measure's function: a date's average is a duration, a count has none", () => {
    const cycle = { fn: "avg" as const, field: "close_date", since: "created_at" };
    expect(measureWithFn({ fn: "count", field: "" }, "avg", fields)).toEqual({ fn: "avg", field: "amount" });
    expect(measureWithFn({ fn: "max", field: "close_date" }, "avg", fields)).toEqual(cycle);
    expect(measureWithFn({ fn: "max", field: "close_date" }, "min", fields)).toEqual({ fn: "min", field: "close_date" });
    expect(measureWithFn(cycle, "median", fields)).toEqual({ ...cycle, fn: "median" });
    expect(measureWithFn(cycle, "max", fields)).toEqual({ ...cycle, fn: "max" });
    expect(measureWithFn(cycle, "count", fields)).toEqual({ fn: "count", field: "close_date" });
    expect(measureWithFn(cycle, "count_distinct", fields)).toEqual({ fn: "count_distinct", field: "close_date" });
    expect(measureWithFn({ fn: "sum", field: "amount" }, "avg", fields)).toEqual({ fn: "avg", field: "amount" });
  });

  it("follow the measure's field: a date keeps its duration, anything else ends it", () => {
    const cycle = { fn: "avg" as const, field: "close_date", since: "company.founded" };
    expect(measureWithField(cycle, "amount", withCompany)).toEqual({ fn: "avg", field: "amount" });
    expect(measureWithField(cycle, "created_at", withCompany)).toEqual({ ...cycle, field: "created_at" });
    // Counted from itself: the duration starts again from the default.
    expect(measureWithField({ ...cycle, since: "created_at" }, "created_at", withCompany)).toEqual({ fn: "avg", field: "created_at", since: "close_date" });
    expect(measureWithField({ fn: "avg", field: "amount" }, "close_date", fields)).toEqual({ fn: "avg", field: "close_date", since: "created_at" });
    // Lowest and highest of a date need none.
    expect(measureWithField({ fn: "max", field: "amount" }, "close_date", fields)).toEqual({ fn: "max", field: "close_date" });
    expect(measureWithField({ fn: "max", field: "close_date", since: "created_at" }, "created_at", fields)).toEqual({ fn: "max", field: "created_at" });
    expect(measureWithField({ fn: "max", field: "close_date", since: "created_at" }, "stage", fields)).toEqual({ fn: "max", field: "stage" });
  });

  it("round-trip through a saved definition, and sort", () => {
    const definition = {
      type: "summary" as const, object: "opportunities", filter: "", columns: [], group_by: [{ field: "stage" }], across: [],
      aggregates: ["count", "avg(close_date - created_at)", "max(close_date - company.founded)"], sort: "-avg(close_date - created_at)",
    };
    const form = formFromDefinition(definition);
    expect(form.aggregates).toEqual([
      { fn: "count", field: "" },
      { fn: "avg", field: "close_date", since: "created_at" },
      { fn: "max", field: "close_date", since: "company.founded" },
    ]);
    expect(form).toMatchObject({ sortKey: "avg(close_date - created_at)", descending: true });
    expect(definitionFromForm(form, withCompany)).toEqual(definition);
    expect(sortKeys(form, withCompany)).toEqual([
      { key: "count", label: "Count of records" },
      { key: "avg(close_date - created_at)", label: "Average Close date − Created at (days)" },
      { key: "max(close_date - company.founded)", label: "Highest Close date − Company: Founded (days)" },
    ]);
    // The duration ended, its sort goes with it.
    const plain: ReportForm = { ...form, aggregates: form.aggregates.map((a) => measureWithFn(a, "count", withCompany)) };
    expect(definitionFromForm(plain)).toMatchObject({ aggregates: ["count", "count(close_date)", "count(close_date)"], sort: "" });
    expect(convertible(form, withCompany)).toBe(false);
  });
});

describe("definition and form", () => {
  const definition = {
    type: "summary" as const, object: "opportunities", filter: "close_date >= 2026-01-01", columns: [],
    group_by: [{ field: "stage" }, { field: "close_date", bucket: "month" }], across: [],
    aggregates: ["count", "sum(amount)"], sort: "-sum(amount)", limit: 10,
  };

  it("round-trip", () => {
    const form = formFromDefinition(definition);
    expect(form.groupBy).toEqual([{ field: "stage", bucket: "" }, { field: "close_date", bucket: "month" }]);
    expect(form).toMatchObject({ sortKey: "sum(amount)", descending: true, limit: "10" });
    expect(definitionFromForm(form)).toEqual(definition);
  });

  it("read the short grouping spelling", () => {
    const form = formFromDefinition({ object: "opportunities", group_by: ["close_date:quarter"] as never });
    expect(form.groupBy).toEqual([{ field: "close_date", bucket: "quarter" }]);
    expect(form.type).toBe("summary");
  });

  it("leave out what the type does not have, and a sort by an aggregate no longer there", () => {
    const form: ReportForm = { ...formFromDefinition(definition), aggregates: [{ fn: "count", field: "" }] };
    expect(definitionFromForm(form).sort).toBe("");
    const tabular = definitionFromForm({ ...form, type: "tabular", columns: ["name", "amount"], sortKey: "amount", descending: true, limit: "" });
    expect(tabular).toMatchObject({ group_by: [], across: [], aggregates: [], columns: ["name", "amount"], sort: "-amount" });
    expect("limit" in tabular).toBe(false);
    const summary = definitionFromForm({ ...form, across: [{ field: "stage", bucket: "" }] });
    expect(summary.across).toEqual([]);
    expect(summary.columns).toEqual([]);
  });

  it("skip an unfinished grouping and a limit that is not a whole number", () => {
    const form: ReportForm = { ...newForm(opportunities), groupBy: [{ field: "stage", bucket: "" }, { field: "", bucket: "" }], limit: "1.5" };
    const d = definitionFromForm(form);
    expect(d.group_by).toEqual([{ field: "stage" }]);
    expect("limit" in d).toBe(false);
  });

  it("start a new report counted by stage, or by the object's first picklist", () => {
    const form = newForm(opportunities);
    expect(form).toMatchObject({ type: "summary", groupBy: [{ field: "stage", bucket: "" }], aggregates: [{ fn: "count", field: "" }] });
    expect(runnable(form)).toBe(true);
    expect(newForm(companies).groupBy).toEqual([{ field: "industry", bucket: "" }]);
  });

  it("switch type keeping what still applies", () => {
    const summary: ReportForm = { ...newForm(opportunities), groupBy: [{ field: "company.industry", bucket: "" }, { field: "stage", bucket: "" }] };
    const matrix = withType(summary, "matrix", opportunities);
    expect(matrix.groupBy).toEqual([{ field: "company.industry", bucket: "" }]);
    expect(matrix.across).toEqual([{ field: "stage", bucket: "" }]);
    expect(runnable(matrix)).toBe(true);
    const back = withType(matrix, "summary", opportunities);
    expect(back.groupBy.map((g) => g.field)).toEqual(["company.industry", "stage"]);
    const tabular = withType({ ...back, columns: [] }, "tabular", opportunities);
    expect(tabular.columns).toEqual(["name"]);
    expect(runnable({ ...tabular, columns: [] })).toBe(false);
    expect(runnable({ ...matrix, across: [] })).toBe(false);
    // One level: across goes the object's first date, by quarter.
    expect(withType(newForm(opportunities), "matrix", opportunities).across).toEqual([{ field: "close_date", bucket: "quarter" }]);
    expect(withType(newForm(companies), "matrix", companies).across).toEqual([]);
  });

  it("offer sort keys of the type: fields for a list, aggregates for groups", () => {
    const form = { ...newForm(opportunities), aggregates: [{ fn: "count" as const, field: "" }, { fn: "sum" as const, field: "amount" }] };
    expect(sortKeys(form, fields).map((k) => k.key)).toEqual(["count", "sum(amount)"]);
    const keys = sortKeys({ ...form, type: "tabular" }, fields).map((k) => k.key);
    expect(keys).toContain("amount");
    expect(keys).not.toContain("company.industry");
    expect(keys).not.toContain("notes");
    expect(keys).not.toContain("blob");
  });
});

describe("currency conversion", () => {
  const converted = {
    type: "summary" as const, object: "opportunities", filter: "", columns: [], group_by: [{ field: "stage" }], across: [],
    aggregates: ["count", "sum(amount)"], sort: "", convert: true, rate_date: "close_date",
  };

  it("round-trips convert and the rate's date field", () => {
    const form = formFromDefinition(converted);
    expect(form).toMatchObject({ convert: true, rateDate: "close_date" });
    expect(definitionFromForm(form, fields)).toEqual(converted);
    // Today's rate: the server writes back an empty rate_date, the form leaves it out.
    const today = formFromDefinition({ ...converted, rate_date: "" });
    expect(today).toMatchObject({ convert: true, rateDate: "" });
    const d = definitionFromForm(today, fields);
    expect(d.convert).toBe(true);
    expect("rate_date" in d).toBe(false);
  });

  it("is left out when off, or when the report does not measure money", () => {
    const off = definitionFromForm({ ...formFromDefinition(converted), convert: false }, fields);
    expect("convert" in off).toBe(false);
    expect("rate_date" in off).toBe(false);
    expect(formFromDefinition({ ...converted, convert: false })).toMatchObject({ convert: false, rateDate: "" });
    expect("convert" in definitionFromForm(newForm(opportunities))).toBe(false);
    const counted: ReportForm = { ...formFromDefinition(converted), aggregates: [{ fn: "count", field: "" }] };
    expect(convertible(counted, fields)).toBe(false);
    expect("convert" in definitionFromForm(counted, fields)).toBe(false);
    const tabular: ReportForm = { ...formFromDefinition(converted), type: "tabular", columns: ["name", "amount"] };
    expect(convertible(tabular, fields)).toBe(false);
    expect("convert" in definitionFromForm(tabular)).toBe(false);
  });

  it("is offered for sums, averages, lowest and highest of money, and dates of the object's own to take the rate of", () => {
    const form = newForm(opportunities);
    expect(convertible({ ...form, aggregates: [{ fn: "sum", field: "amount" }] }, fields)).toBe(true);
    expect(convertible({ ...form, type: "matrix", aggregates: [{ fn: "max", field: "amount" }] }, fields)).toBe(true);
    expect(convertible({ ...form, aggregates: [{ fn: "sum", field: "probability" }] }, fields)).toBe(false);
    expect(convertible({ ...form, aggregates: [{ fn: "median", field: "amount" }] }, fields)).toBe(false);
    expect(rateDateFields(fields).map((f) => f.name)).toEqual(["close_date", "created_at"]);
  });

  it("errors land on the convert and rate controls", () => {
    expect(errorsByControl([{ field: "convert", message: "A median is not the sum of its parts." }, { field: "rate_date", message: "Not a date." }]))
      .toEqual({ convert: "A median is not the sum of its parts.", rate_date: "Not a date." });
    expect(controlOf("definition.rate_date")).toBe("rate_date");
  });
});

describe("charts", () => {
  it("fit the report's shape", () => {
    const form = newForm(opportunities);
    expect(chartsFor({ ...form, type: "tabular" })).toEqual(["table"]);
    expect(chartsFor({ ...form, groupBy: [] })).toEqual(["kpi", "table"]);
    expect(chartsFor(form)).toContain("funnel");
    expect(chartsFor({ ...form, groupBy: [...form.groupBy, { field: "close_date", bucket: "month" }] })).toEqual(["stacked_bar", "bar", "line", "table"]);
    expect(fittingChart(form, "pie")).toBe("pie");
    expect(fittingChart({ ...form, groupBy: [] }, "pie")).toBe("kpi");
  });
});

describe("server errors", () => {
  it("land on the control they name, also nested under the definition", () => {
    expect(controlOf("group_by")).toBe("group_by");
    expect(controlOf("aggregates[1]")).toBe("aggregates");
    expect(controlOf("definition.sort")).toBe("sort");
    expect(controlOf("name")).toBe("name");
    expect(controlOf("time_zone")).toBeNull();
    expect(errorsByControl([
      { field: "aggregates[0]", message: "sum takes a number." },
      { field: "definition.group_by", message: "Unknown field." },
      { field: "time_zone", message: "Bad zone." },
    ])).toEqual({ aggregates: "sum takes a number.", group_by: "Unknown field.", "": "Bad zone." });
  });

  it("of the expression parser, which names no member, land on the filter", () => {
    const parse = { status: 400, message: "Unexpected character at position 7", fieldErrors: [] };
    expect(problemByControl(parse, true)).toEqual({ filter: "Unexpected character at position 7" });
    expect(problemByControl(parse, false)).toEqual({ "": "Unexpected character at position 7" });
    expect(problemByControl({ status: 404, message: "No such report", fieldErrors: [] }, true)).toEqual({ "": "No such report" });
    expect(problemByControl({ status: 400, message: "Bad", fieldErrors: [{ field: "limit", message: "At least 1." }] }, true)).toEqual({ limit: "At least 1." });
  });
});
