// Dashboards: the workspace's shared ones and the user's own, each a grid of widgets
// run as the user under the dashboard's filters (period, owner). A tile shows a KPI
// and its trend against the period before; charts and tables drill into the records
// behind any bar, slice or row, opened as a list with the equivalent filter.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError, query } from "../api/client";
import { useMetadata } from "../app/metadata";
import { EmptyState, ErrorBanner, Pending } from "../components/ui";
import { aggregateColumns, figureText, groupColumns, keyStyleFor, kpiFigures, plainKeys, trend, type KeyStyle } from "../reports/figures";
import type { Dashboard, DashboardRun, ReportResult, ReportRow, WidgetRun } from "../reports/types";
import { PERIODS } from "../reports/types";
import { KpiValue } from "../reports/KpiValue";

const ReportChart = lazy(() => import("../reports/ReportChart"));

export default function DashboardPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [dashboards, setDashboards] = useState<Dashboard[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.get<{ data: Dashboard[] }>("/dashboards").then((r) => setDashboards(r.data), (e) => setError(String(e.message ?? e)));
  }, []);
  useEffect(() => {
    if (!id && dashboards && dashboards.length > 0) navigate(`/dashboards/${dashboards[0].id}`, { replace: true });
  }, [id, dashboards, navigate]);

  if (error) return <div className="page"><ErrorBanner error={error} /></div>;
  if (!dashboards) return <Pending />;
  if (dashboards.length === 0) {
    return <div className="page"><EmptyState title="No dashboards yet">Dashboards gather saved reports as charts.</EmptyState></div>;
  }
  return id ? <DashboardView key={id} id={id} dashboards={dashboards} /> : <Pending />;
}

function DashboardView({ id, dashboards }: { id: string; dashboards: Dashboard[] }) {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [run, setRun] = useState<DashboardRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const period = params.get("period");
  const owner = params.get("owner");

  const load = useCallback(() => {
    setLoading(true);
    setError(null);
    // Empty values are sent too: `period=` is "all time", not "the dashboard's period".
    const filters = period !== null || owner !== null
      ? `?period=${encodeURIComponent(period ?? "")}&owner=${encodeURIComponent(owner ?? "")}` : "";
    api.get<DashboardRun>(`/dashboards/${id}/results${filters}`).then(
      (r) => { setRun(r); setLoading(false); },
      (e) => { setError(e instanceof ApiError ? e.message : String(e)); setLoading(false); },
    );
  }, [id, period, owner]);
  useEffect(load, [load]);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set("period", period ?? run?.filters.period ?? "");
    next.set("owner", owner ?? run?.filters.owner ?? "");
    next.set(name, value);
    setParams(next, { replace: true });
  };

  const current = dashboards.find((d) => d.id === id);
  return (
    <div className="page dashboard-page">
      <div className="page-head">
        <h1>{current?.name ?? "Dashboard"}</h1>
        <div className="dashboard-filters">
          {dashboards.length > 1 && (
            <label>Dashboard{" "}
              <select value={id} onChange={(e) => navigate(`/dashboards/${e.target.value}`)}>
                {dashboards.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
              </select>
            </label>
          )}
          <label>Period{" "}
            <select value={period ?? run?.filters.period ?? ""} onChange={(e) => setFilter("period", e.target.value)}>
              {PERIODS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
            </select>
          </label>
          <label>Owner{" "}
            <select value={owner ?? run?.filters.owner ?? ""} onChange={(e) => setFilter("owner", e.target.value)}>
              <option value="">Everyone</option>
              <option value="me">Mine</option>
            </select>
          </label>
          <button type="button" className="button" onClick={load} disabled={loading}>Refresh</button>
        </div>
      </div>
      {run?.period && <p className="muted dashboard-period">{run.period.from} – {run.period.to}</p>}
      {error && <ErrorBanner error={error} onRetry={load} />}
      {!run ? <Pending /> : (
        <div className="dashboard-grid" aria-busy={loading}>
          {run.widgets.map((w) => <Widget key={w.widget.id} run={w} />)}
        </div>
      )}
    </div>
  );
}

function Widget({ run }: { run: WidgetRun }) {
  const navigate = useNavigate();
  const { object } = useMetadata();
  const { widget, result } = run;
  // Groupings read as their fields do: a picklist's labels, in its order.
  const keys = useMemo<KeyStyle>(() => {
    const meta = object(run.object);
    if (!meta || !result) return plainKeys;
    const fields = groupColumns(result).flatMap((column) => {
      const [relation, name] = column.includes(".") ? column.split(".", 2) : ["", column];
      const owner = relation ? object(meta.fields.find((f) => f.name === `${relation}_id`)?.target ?? "") : meta;
      const field = owner?.fields.find((f) => f.name === name);
      return field ? [{ name: column, type: field.type, options: field.options }] : [];
    });
    return keyStyleFor(fields);
  }, [object, run.object, result]);
  const titleId = `widget-${widget.id}`;
  const style = {
    "--x": widget.x + 1, "--w": widget.w, "--y": widget.y + 1, "--h": widget.h,
  } as React.CSSProperties;

  // The records behind a group: the report as it ran (with the dashboard's filters)
  // and the group's keys, turned into a list filter by the server.
  const drill = (keys: ReportRow) => {
    if (!result) return;
    api.post<{ object: string; filter: string }>("/reports/drilldown", { definition: result.definition, keys }).then(
      (d) => navigate(`/o/${d.object}${query({ filter: d.filter })}`),
      () => navigate(`/o/${run.object}${query({ filter: run.filter })}`),
    );
  };

  let body: React.ReactNode;
  if (run.error) {
    body = <p className="muted" role="note">{run.error.detail}</p>;
  } else if (run.kpi) {
    body = <KpiValue info={run.kpi} result={run.kpi} />;
  } else if (!result) {
    body = <Pending inline />;
  } else if (widget.chart === "kpi") {
    body = <Kpi run={run} />;
  } else if (widget.chart === "table" || groupColumns(result).length === 0) {
    body = <ResultTable result={result} onDrill={drill} keys={keys} />;
  } else if (result.rows.length === 0) {
    body = <p className="muted">Nothing in this period.</p>;
  } else {
    body = (
      <Suspense fallback={<Pending inline />}>
        <ReportChart type={widget.chart ?? "bar"} result={result} title={widget.title} onDrill={drill} keys={keys} />
      </Suspense>
    );
  }
  return (
    <section className={`panel widget widget-${widget.chart ?? "table"}`} style={style} aria-labelledby={titleId}>
      <h2 id={titleId} className="widget-title">
        {run.kpi ? (
          <Link to="/kpis" title="Every KPI, with its formula">{widget.title}</Link>
        ) : result ? (
          <Link to={`/o/${run.object}${query({ filter: run.filter })}`} title={`Open these ${object(run.object)?.label_plural ?? run.object}`}>{widget.title}</Link>
        ) : widget.title}
      </h2>
      {body}
    </section>
  );
}

function Kpi({ run }: { run: WidgetRun }) {
  const now = kpiFigures(run.result);
  const before = kpiFigures(run.previous);
  const change = run.previous ? trend(now, before) : null;
  return (
    <div className="kpi">
      <p className="kpi-figure">{now.length === 0 ? figureText(0) : now.map((v, i) => <span key={i}>{figureText(v, true)}</span>)}</p>
      {change !== null && (
        <p className={`kpi-trend ${change >= 0 ? "up" : "down"}`}>
          <span aria-hidden="true">{change >= 0 ? "▲" : "▼"}</span> {Math.abs(Math.round(change * 100))}%
          <span className="muted"> vs previous period ({before.map((v) => figureText(v, true)).join(", ") || figureText(0)})</span>
        </p>
      )}
    </div>
  );
}

function ResultTable({ result, onDrill, keys }: { result: ReportResult; onDrill: (keys: ReportRow) => void; keys: KeyStyle }) {
  const groups = groupColumns(result);
  const measures = aggregateColumns(result);
  const label = (name: string) => result.columns.find((c) => c.name === name)?.label ?? name;
  return (
    <div className="report-table-wrap">
      <table className="report-table">
        <thead><tr>{[...groups, ...measures].map((c) => <th scope="col" key={c}>{label(c)}</th>)}</tr></thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>
              {groups.map((g, j) => (
                <td key={g}>{j === 0 ? (
                  <button type="button" className="link-button" onClick={() => onDrill(Object.fromEntries(groups.map((k) => [k, row[k] ?? null])))}>
                    {keys.text(g, row[g])}
                  </button>
                ) : keys.text(g, row[g])}</td>
              ))}
              {measures.map((m) => <td key={m} className="number">{figureText(row[m])}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
