// The KPI catalogue as the REST API gives it (GET /api/v1/kpis, docs/reports.md) and
// how a KPI's figures read: percents, days, counts, and money per currency.
import { formatMoney, formatNumber } from "../fields/format";

export type KpiUnit = "percent" | "money" | "days" | "count" | "money_per_day";

export interface KpiInfo {
  key: string;
  label: string;
  unit: KpiUnit;
  formula: string;
  object: string;
  higher_is_better: boolean;
}

export interface KpiFigure {
  value: string | null;  // an exact decimal; null when undefined (nothing closed, a zero divisor)
  currency?: string;
  step?: string;  // a KPI with a figure per stage step: "proposal → negotiation"
}

export interface KpiValue {
  figures: KpiFigure[];
  inputs: Record<string, KpiFigure[]>;
}

export interface KpiResult extends KpiInfo {
  period: { from: string; to: string };
  previous_period: { from: string; to: string };
  value: KpiValue;
  previous: KpiValue | null;
  by_owner?: (KpiValue & { owner_id: string | null })[];
}

export function kpiFigureText(unit: KpiUnit, figure: KpiFigure | undefined): string {
  if (!figure || figure.value === null) return "–";
  const n = Number(figure.value);
  switch (unit) {
    case "percent": return `${formatNumber(n, 1)} %`;
    case "days": return `${formatNumber(n, 1)} ${Math.abs(n) === 1 ? "day" : "days"}`;
    case "count": return formatNumber(n, 0);
    case "money": return formatMoney({ amount: figure.value, currency: figure.currency ?? "" });
    case "money_per_day": return `${formatMoney({ amount: figure.value, currency: figure.currency ?? "" })} / day`;
  }
}

// The figure's change against the period before, when both are one comparable number:
// in points for a percent (a win rate going from 40 % to 50 % is +10 points), else as
// a fraction of the earlier figure. `good` says whether that change is welcome.
export interface KpiChange {
  amount: number;
  points: boolean;
  good: boolean;
}

export function kpiChange(info: KpiInfo, now: KpiValue, before: KpiValue | null): KpiChange | null {
  if (!before) return null;
  const pair = now.figures.map((f) => [f, before.figures.find((b) => (b.currency ?? "") === (f.currency ?? ""))] as const);
  if (pair.length !== 1) return null;
  const [a, b] = pair[0];
  if (!b || a.value === null || b.value === null) return null;
  const x = Number(a.value), y = Number(b.value);
  let amount: number;
  if (info.unit === "percent") {
    amount = x - y;
  } else {
    if (y === 0) return null;
    amount = (x - y) / Math.abs(y);
  }
  return { amount, points: info.unit === "percent", good: amount === 0 || (amount > 0) === info.higher_is_better };
}

export function kpiChangeText(change: KpiChange): string {
  const sign = change.amount > 0 ? "+" : change.amount < 0 ? "−" : "±";
  const size = Math.abs(change.amount);
  return change.points ? `${sign}${formatNumber(size, 1)} pts` : `${sign}${formatNumber(size * 100, 0)} %`;
}
