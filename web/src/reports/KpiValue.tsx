// A KPI's figure in its unit and its change against the period before: the body of a
// tile on the KPIs page and of a KPI widget on a dashboard.
import { kpiChange, kpiChangeText, kpiFigureText, type KpiInfo, type KpiResult } from "./kpis";

export function KpiValue({ info, result }: { info: KpiInfo; result: KpiResult }) {
  const change = kpiChange(info, result.value, result.previous);
  const figures = result.value.figures;
  // A figure per stage step (conversion by stage): a list that reads down the funnel.
  if (figures.some((f) => f.step)) {
    return (
      <ol className="kpi-steps">
        {figures.map((f, i) => (
          <li key={i}><span>{f.step}</span> <strong>{kpiFigureText(info.unit, f)}</strong></li>
        ))}
      </ol>
    );
  }
  return (
    <>
      <p className="kpi-figure">
        {figures.length === 0 ? kpiFigureText(info.unit, undefined)
          : figures.map((f, i) => <span key={i}>{kpiFigureText(info.unit, f)}</span>)}
      </p>
      {change && (
        <p className={`kpi-trend ${change.good ? "up" : "down"}`}>
          <span aria-hidden="true">{change.amount >= 0 ? "▲" : "▼"}</span> {kpiChangeText(change)}
          <span className="muted"> vs previous period ({result.previous!.figures.map((f) => kpiFigureText(info.unit, f)).join(", ")})</span>
        </p>
      )}
    </>
  );
}
