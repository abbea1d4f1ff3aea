import { describe, expect, it } from "vitest";
import { kpiChange, kpiChangeText, kpiFigureText, type KpiInfo } from "./kpis";

const info = (unit: KpiInfo["unit"], higher_is_better = true): KpiInfo =>
  ({ key: "k", label: "K", unit, formula: "", object: "opportunities", higher_is_better });

describe("KPI figures", () => {
  it("read in their unit", () => {
    expect(kpiFigureText("percent", { value: "66.6667" })).toMatch(/^66[.,]7 %$/);
    expect(kpiFigureText("days", { value: "1" })).toBe("1 day");
    expect(kpiFigureText("days", { value: "12.25" })).toMatch(/^12[.,]3 days$/);
    expect(kpiFigureText("count", { value: "3" })).toBe("3");
    expect(kpiFigureText("money", { value: "75.5", currency: "EUR" })).toMatch(/75[.,]50/);
    expect(kpiFigureText("money_per_day", { value: "10", currency: "USD" })).toMatch(/\/ day$/);
    expect(kpiFigureText("percent", { value: null })).toBe("–");
    expect(kpiFigureText("percent", undefined)).toBe("–");
  });

  it("change in points for percents, as a share otherwise, good or bad by the KPI's direction", () => {
    const v = (value: string | null, currency?: string) => ({ figures: [{ value, currency }], inputs: {} });
    const win = kpiChange(info("percent"), v("50"), v("40"));
    expect(win).toEqual({ amount: 10, points: true, good: true });
    expect(kpiChangeText(win!)).toBe("+10 pts");
    const churn = kpiChange(info("percent", false), v("50"), v("40"));
    expect(churn?.good).toBe(false);
    const size = kpiChange(info("money"), v("150", "EUR"), v("100", "EUR"));
    expect(size?.amount).toBeCloseTo(0.5);
    expect(kpiChangeText(size!)).toBe("+50 %");
    expect(kpiChange(info("money"), v("150", "EUR"), v("100", "USD"))).toBeNull();
    expect(kpiChange(info("count"), v("3"), v("0"))).toBeNull();
    expect(kpiChange(info("count"), v("3"), null)).toBeNull();
    expect(kpiChange(info("percent"), v(null), v("40"))).toBeNull();
  });
});
