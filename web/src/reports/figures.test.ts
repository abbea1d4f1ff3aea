import { describe, expect, it } from "vitest";
import { daysText, figureText, isDuration, keyStyleFor, keyText, kpiFigures, seriesOf, trend, rowsInKeyOrder } from "./figures";
import type { ReportResult } from "./types";

const definition = { type: "summary" as const, object: "opportunities", filter: "", columns: [], group_by: [], across: [], aggregates: [], sort: "" };

describe("report figures", () => {
  it("puts the first grouping on the axis and one dataset per aggregate", () => {
    const result: ReportResult = {
      definition,
      columns: [
        { name: "stage", label: "Stage", type: "picklist", kind: "group" },
        { name: "count", label: "Count", type: "integer", kind: "aggregate" },
        { name: "sum(amount)", label: "Sum of Amount", type: "currency", kind: "aggregate" },
      ],
      rows: [
        { stage: "won", count: 2, "sum(amount)": { amount: "30.50", currency: "EUR" }, currency: "EUR" },
        { stage: "won", count: 1, "sum(amount)": { amount: "5.00", currency: "USD" }, currency: "USD" },
        { stage: null, count: 4, "sum(amount)": null },
      ],
    };
    const s = seriesOf(result);
    expect(s.labels).toEqual(["won", "(none)"]);
    expect(s.datasets.map((d) => d.name)).toEqual(["Count", "Sum of Amount"]);
    expect(s.datasets[0].values).toEqual([3, 4]);
    expect(s.rowKeys).toEqual([{ stage: "won" }, { stage: null }]);
  });

  it("splits a second grouping into datasets, keeping each cell's keys for drilling", () => {
    const result: ReportResult = {
      definition,
      columns: [
        { name: "owner.name", label: "Owner: Name", type: "text", kind: "group" },
        { name: "stage", label: "Stage", type: "picklist", kind: "group" },
        { name: "count", label: "Count", type: "integer", kind: "aggregate" },
      ],
      rows: [
        { "owner.name": "Ann", stage: "proposal", count: 2 },
        { "owner.name": "Ann", stage: "won", count: 1 },
        { "owner.name": "Bob", stage: "won", count: 5 },
      ],
    };
    const s = seriesOf(result);
    expect(s.labels).toEqual(["Ann", "Bob"]);
    expect(s.datasets.map((d) => d.name)).toEqual(["proposal", "won"]);
    expect(s.datasets[0].values).toEqual([2, null]);
    expect(s.datasets[1].values).toEqual([1, 5]);
    expect(s.datasets[1].keys[1]).toEqual({ "owner.name": "Bob", stage: "won" });
    expect(s.rowKeys[1]).toEqual({ "owner.name": "Bob" });
  });

  it("orders and names a picklist's groups as its options do", () => {
    const result: ReportResult = {
      definition,
      columns: [
        { name: "stage", label: "Stage", type: "picklist", kind: "group" },
        { name: "count", label: "Count", type: "integer", kind: "aggregate" },
      ],
      rows: [{ stage: "negotiation", count: 1 }, { stage: "prospecting", count: 5 }, { stage: "won", count: 2 }],
    };
    const style = keyStyleFor([{ name: "stage", type: "picklist", options: [
      { value: "prospecting", label: "Prospecting" }, { value: "negotiation", label: "Negotiation" }, { value: "won", label: "Won" }] }]);
    const s = seriesOf(result, style);
    expect(s.labels).toEqual(["Prospecting", "Negotiation", "Won"]);
    expect(s.datasets[0].values).toEqual([5, 1, 2]);
    expect(s.rowKeys[0]).toEqual({ stage: "prospecting" });
  });

  it("reads a KPI and its trend against the period before", () => {
    const now: ReportResult = {
      definition,
      columns: [{ name: "sum(amount)", label: "Sum of Amount", type: "currency", kind: "aggregate" }],
      rows: [{ "sum(amount)": { amount: "150.00", currency: "EUR" } }],
      totals: [{ "sum(amount)": { amount: "150.00", currency: "EUR" } }],
    };
    const before: ReportResult = { ...now, totals: [{ "sum(amount)": { amount: "100.00", currency: "EUR" } }] };
    expect(trend(kpiFigures(now), kpiFigures(before))).toBeCloseTo(0.5);
    expect(trend(kpiFigures(now), [])).toBeNull();  // nothing before: no percentage
    expect(keyText(false)).toBe("No");
    expect(figureText(null)).toBe("–");
  });

  it("reads a duration's figure as days, to a tenth", () => {
    expect(isDuration("avg(close_date - created_at)")).toBe(true);
    expect(isDuration("avg(amount)")).toBe(false);
    expect(isDuration("count_distinct(company.name)")).toBe(false);
    expect(daysText("45.2917")).toMatch(/^45[.,]3$/);
    expect(daysText("45.2917", true)).toMatch(/^45[.,]3 days$/);
    expect(daysText("1.0000", true)).toBe("1 day");
    expect(daysText(null, true)).toBe("–");
  });
});

describe("rowsInKeyOrder", () => {
  it("puts picklist groups in their options' order, level by level, and leaves other keys alone", () => {
    const style = keyStyleFor([{ name: "stage", type: "picklist", options: [{ value: "new", label: "New" }, { value: "won", label: "Won" }] }]);
    const rows = [{ stage: "won", m: "b" }, { stage: "new", m: "a" }, { stage: null, m: "z" }, { stage: "new", m: "c" }];
    expect(rowsInKeyOrder(rows, ["stage"], style).map((r) => `${r.stage}${r.m}`)).toEqual(["newa", "newc", "wonb", "nullz"]);
    expect(rowsInKeyOrder(rows, ["m"], style)).toEqual(rows);
  });
});
