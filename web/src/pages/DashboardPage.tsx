// Dashboards: the workspace's shared ones and the user's own, each a grid of widgets
// run as the user under the dashboard's filters (period, owner). A tile shows a KPI
// and its trend against the period before; charts and tables drill into the records
// behind any bar, slice or row, opened as a list with the equivalent filter.
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError, query } from "../api/client";
import { useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { mayChangeOwned } from "../lib/permissions";
import { EmptyState, ErrorBanner, Pending } from "../components/ui";
import { ReportResultView } from "../reports/ReportView";
import type { Dashboard, DashboardRun, ReportRow, WidgetRun } from "../reports/types";
import { PERIODS } from "../reports/types";
import { KpiValue } from "../reports/KpiValue";

export default function DashboardPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const me = useSignedIn();
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
    return (
      <div className="page">
        <EmptyState title="No dashboards yet" action={!me.read_only && <Link className="button primary" to="/dashboards/new">New dashboard</Link>}>
          Dashboards gather saved reports and KPIs as charts.
        </EmptyState>
      </div>
    );
  }
  return id ? <DashboardView key={id} id={id} dashboards={dashboards} /> : <Pending />;
}

function DashboardView({ id, dashboards }: { id: string; dashboards: Dashboard[] }) {
  const navigate = useNavigate();
  const me = useSignedIn();
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
          {current && mayChangeOwned(current, me) && <Link className="button" to={`/dashboards/${id}/edit`}>Edit</Link>}
          {!me.read_only && <Link className="button" to="/dashboards/new">New dashboard</Link>}
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
  } else {
    body = <ReportResultView result={result} previous={run.previous} chart={widget.chart} title={widget.title} object={run.object} onDrill={drill} />;
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
