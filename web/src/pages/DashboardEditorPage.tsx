// Building a dashboard (/dashboards/new, /dashboards/:id/edit): its name, whether it
// is shared, its default period, and its widgets (saved reports or KPIs of the
// catalogue) added, moved earlier or later, resized on the 12-column grid, retitled
// and removed with buttons, so the keyboard does everything. Saving lays the widgets
// out in their order (reports/dashboardLayout.ts) and PATCHes or POSTs the dashboard.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ApiError } from "../api/client";
import { useMetadata } from "../app/metadata";
import { useToast } from "../components/toast";
import { Breadcrumbs, ErrorBanner, FormRow, Pending } from "../components/ui";
import {
  GRID_COLUMNS, MAX_WIDGETS, defaultDateField, editedWidgets, groupsByDate, moveWidget, newWidget, periodFields, resizeWidget, widgetsJson,
  type EditedWidget,
} from "../reports/dashboardLayout";
import type { KpiInfo } from "../reports/kpis";
import type { SavedReport } from "../reports/schedules";
import { CHART_LABELS, PERIODS, type ChartType, type Dashboard } from "../reports/types";

const CHARTS = Object.keys(CHART_LABELS) as ChartType[];
const WIDTHS = Array.from({ length: GRID_COLUMNS }, (_, i) => i + 1);
const HEIGHTS = [1, 2, 3, 4, 5, 6, 8, 10, 12];

interface Sources {
  reports: SavedReport[];
  kpis: KpiInfo[];
}

export default function DashboardEditorPage() {
  const { id } = useParams();
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [sources, setSources] = useState<Sources | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));
    Promise.all([api.get<{ data: SavedReport[] }>("/reports"), api.get<{ data: KpiInfo[] }>("/kpis")])
      .then(([r, k]) => setSources({ reports: r.data, kpis: k.data }), fail);
    if (id) api.get<Dashboard>(`/dashboards/${id}`).then(setDashboard, fail);
  }, [id]);
  if (error) return <div className="page"><ErrorBanner error={error} /></div>;
  if (!sources || (id && !dashboard)) return <Pending />;
  return <Editor key={id ?? "new"} dashboard={dashboard} sources={sources} />;
}

function Editor({ dashboard, sources }: { dashboard: Dashboard | null; sources: Sources }) {
  const navigate = useNavigate();
  const toast = useToast();
  const { object } = useMetadata();
  const [name, setName] = useState(dashboard?.name ?? "");
  const [description, setDescription] = useState(dashboard?.description ?? "");
  const [shared, setShared] = useState(dashboard?.shared ?? false);
  const [period, setPeriod] = useState(dashboard?.filters.period ?? "this_quarter");
  const [widgets, setWidgets] = useState<EditedWidget[]>(() => editedWidgets(dashboard?.widgets ?? []));
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  // The widget just moved: its button keeps the focus (React may move its element in
  // the DOM, which drops focus), so arrow after arrow can be pressed from the keyboard.
  const [moved, setMoved] = useState<{ key: string; earlier: boolean } | null>(null);
  useEffect(() => {
    if (!moved) return;
    const button = (earlier: boolean) => document.getElementById(`move-${moved.key}-${earlier ? "earlier" : "later"}`) as HTMLButtonElement | null;
    const same = button(moved.earlier);
    (same && !same.disabled ? same : button(!moved.earlier))?.focus();
  }, [moved]);
  const move = (i: number, earlier: boolean) => {
    setWidgets(moveWidget(widgets, i, earlier ? -1 : 1));
    setMoved({ key: widgets[i].key, earlier });
  };

  const reports = useMemo(() => new Map(sources.reports.map((r) => [r.id, r])), [sources.reports]);
  const kpis = useMemo(() => new Map(sources.kpis.map((k) => [k.key, k])), [sources.kpis]);
  const sourceName = (w: EditedWidget) => (w.kpi ? kpis.get(w.kpi)?.label ?? w.kpi : reports.get(w.report_id)?.name ?? "A report not shared with you");
  const update = (i: number, change: Partial<EditedWidget>) => setWidgets(widgets.map((w, j) => (j === i ? { ...w, ...change } : w)));
  const widgetError = (i: number) => error?.fieldErrors.filter((f) => f.field.startsWith(`widgets[${i}]`)).map((f) => f.message).join(" ");

  const save = async () => {
    setSaving(true);
    const body = { name: name.trim(), description, shared, widgets: widgetsJson(widgets), filters: { ...(dashboard?.filters ?? { owner: "", team: "" }), period } };
    try {
      const saved = dashboard ? await api.patch<Dashboard>(`/dashboards/${dashboard.id}`, body) : await api.post<Dashboard>("/dashboards", body);
      toast("Dashboard saved.");
      navigate(`/dashboards/${saved.id}`);
    } catch (e) {
      const problem = e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) });
      setError(problem);
      // The name's message is beside the name; anything else is in the banner at the top.
      requestAnimationFrame(() => {
        if (problem.errorFor("name")) document.getElementById("dashboard-name")?.focus();
        else document.getElementById("dashboard-error")?.scrollIntoView({ block: "center" });
      });
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!dashboard || !window.confirm(`Delete the dashboard “${dashboard.name}”? Its reports stay.`)) return;
    try {
      await api.delete(`/dashboards/${dashboard.id}`);
      toast("Dashboard deleted.");
      navigate("/dashboards");
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), { tone: "error" });
    }
  };

  const back = dashboard ? `/dashboards/${dashboard.id}` : "/dashboards";
  return (
    <div className="page dashboard-editor">
      <Breadcrumbs items={[{ label: "Dashboards", to: back }, { label: dashboard ? `Edit ${dashboard.name}` : "New dashboard" }]} />
      <div className="page-head">
        <h1>{dashboard ? "Edit dashboard" : "New dashboard"}</h1>
        <span className="spacer" />
        {dashboard && <button type="button" className="button danger" onClick={() => void remove()}>Delete</button>}
        <Link className="button" to={back}>Cancel</Link>
        <button type="button" className="button primary" disabled={saving} onClick={() => void save()}>{saving ? "Saving…" : "Save dashboard"}</button>
      </div>
      {error && <div id="dashboard-error"><ErrorBanner error={error.message} /></div>}

      <section className="panel" aria-labelledby="dashboard-about">
        <h2 id="dashboard-about">Dashboard</h2>
        <div className="form-grid">
          <FormRow id="dashboard-name" label="Name" required error={error?.errorFor("name")}>
            <input id="dashboard-name" className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)}
              aria-invalid={error?.errorFor("name") ? true : undefined} aria-describedby="dashboard-name-error" />
          </FormRow>
          <FormRow id="dashboard-period" label="Period shown first" error={error?.errorFor("filters.period")} hint="Viewers can pick another; widgets filter their date field by it.">
            <select id="dashboard-period" className="input" value={period} onChange={(e) => setPeriod(e.target.value)} aria-describedby="dashboard-period-error">
              {PERIODS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
            </select>
          </FormRow>
          <FormRow id="dashboard-description" label="Description" error={error?.errorFor("description")}>
            <input id="dashboard-description" className="input" value={description} onChange={(e) => setDescription(e.target.value)} />
          </FormRow>
          <div className="form-row builder-shared">
            <label className="check"><input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> Shared with the workspace</label>
          </div>
        </div>
      </section>

      <h2 className="section-title">Widgets <span className="count">{widgets.length} of {MAX_WIDGETS}</span></h2>
      {error?.errorFor("widgets") && <p className="field-error" role="alert">{error.errorFor("widgets")}</p>}
      {widgets.length === 0 ? (
        <p className="empty-note muted">No widgets yet: add a saved report or a KPI below.</p>
      ) : (
        <ol className="dashboard-grid editing" aria-label="Widgets, in reading order">
          {widgets.map((w, i) => {
            const named = w.title || sourceName(w);
            const report = reports.get(w.report_id);
            const fields = object(report?.definition.object ?? "")?.fields ?? [];
            const problem = widgetError(i);
            return (
              <li key={w.key} className={problem ? "panel widget-edit invalid" : "panel widget-edit"} style={{ "--w": w.w } as React.CSSProperties}
                aria-label={`${named}, ${w.w} of ${GRID_COLUMNS} columns`}>
                <div className="widget-edit-head">
                  <strong className="truncate">{named}</strong>
                  <span className="badge">{w.kpi ? "KPI" : CHART_LABELS[w.chart ?? (report?.chart as ChartType) ?? "table"] ?? "Chart"}</span>
                </div>
                <p className="muted small widget-source">
                  {w.kpi ? "KPI of the catalogue" : `Report of ${object(report?.definition.object ?? "")?.label_plural.toLowerCase() ?? "records"}`}
                </p>
                <label className="field">
                  <span>Title</span>
                  <input className="input" value={w.title} placeholder={sourceName(w)} maxLength={200} onChange={(e) => update(i, { title: e.target.value })} />
                </label>
                <div className="widget-edit-sizes">
                  {!w.kpi && (
                    <label className="field">
                      <span>Chart</span>
                      <select className="input" value={w.chart ?? ""} onChange={(e) => update(i, { chart: (e.target.value || null) as ChartType | null })}>
                        <option value="">{report ? `${CHART_LABELS[report.chart as ChartType] ?? report.chart} (the report's)` : "The report's"}</option>
                        {CHARTS.map((c) => <option key={c} value={c}>{CHART_LABELS[c]}</option>)}
                      </select>
                    </label>
                  )}
                  {!w.kpi && (
                    <label className="field">
                      <span>Period on</span>
                      <select className="input" value={w.date_field} onChange={(e) => update(i, { date_field: e.target.value })}>
                        <option value="">{report && groupsByDate(report.definition, fields) ? "Its date grouping" : "Nothing (all time)"}</option>
                        {periodFields(fields).map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
                        {w.date_field && !periodFields(fields).some((f) => f.name === w.date_field) && <option value={w.date_field}>{w.date_field}</option>}
                      </select>
                    </label>
                  )}
                  <label className="field">
                    <span>Width</span>
                    <select className="input" value={w.w} onChange={(e) => setWidgets(resizeWidget(widgets, i, { w: Number(e.target.value) }))}>
                      {WIDTHS.map((n) => <option key={n} value={n}>{n} / {GRID_COLUMNS}</option>)}
                    </select>
                  </label>
                  <label className="field">
                    <span>Height</span>
                    <select className="input" value={w.h} onChange={(e) => setWidgets(resizeWidget(widgets, i, { h: Number(e.target.value) }))}>
                      {[...new Set([...HEIGHTS, w.h])].sort((a, b) => a - b).map((n) => <option key={n} value={n}>{n} {n === 1 ? "row" : "rows"}</option>)}
                    </select>
                  </label>
                </div>
                {problem && <p className="field-error" role="alert">{problem}</p>}
                <div className="widget-edit-actions">
                  <button type="button" id={`move-${w.key}-earlier`} className="button small" aria-label={`Move ${named} earlier`} disabled={i === 0} onClick={() => move(i, true)}>← Earlier</button>
                  <button type="button" id={`move-${w.key}-later`} className="button small" aria-label={`Move ${named} later`} disabled={i === widgets.length - 1} onClick={() => move(i, false)}>Later →</button>
                  <span className="spacer" />
                  <button type="button" className="button small danger" aria-label={`Remove ${named}`} onClick={() => setWidgets(widgets.filter((_, j) => j !== i))}>Remove</button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {widgets.length < MAX_WIDGETS && <AddWidget sources={sources} onAdd={(w) => setWidgets([...widgets, w])} />}
    </div>
  );
}

function AddWidget({ sources, onAdd }: { sources: Sources; onAdd: (widget: EditedWidget) => void }) {
  const { object } = useMetadata();
  const [kind, setKind] = useState<"report" | "kpi">("report");
  const [reportId, setReportId] = useState(sources.reports[0]?.id ?? "");
  const [kpi, setKpi] = useState(sources.kpis[0]?.key ?? "");
  const [chart, setChart] = useState<ChartType | "">("");
  const [width, setWidth] = useState(6);
  const report = sources.reports.find((r) => r.id === reportId);
  const ready = kind === "report" ? Boolean(report) : Boolean(kpi);
  return (
    <section className="panel add-widget" aria-labelledby="add-widget">
      <h2 id="add-widget">Add a widget</h2>
      <div className="segmented" role="radiogroup" aria-label="Widget shows">
        <label className={kind === "report" ? "choice active" : "choice"}>
          <input type="radio" name="widget-kind" checked={kind === "report"} onChange={() => { setKind("report"); setWidth(6); }} /> <span><strong>A saved report</strong></span>
        </label>
        <label className={kind === "kpi" ? "choice active" : "choice"}>
          <input type="radio" name="widget-kind" checked={kind === "kpi"} onChange={() => { setKind("kpi"); setWidth(3); }} /> <span><strong>A KPI</strong></span>
        </label>
      </div>
      <div className="add-widget-fields">
        {kind === "report" ? (
          <>
            <FormRow id="add-widget-report" label="Report" hint={sources.reports.length === 0 ? "No saved reports yet: build one on the Reports page." : undefined}>
              <select id="add-widget-report" className="input" value={reportId} onChange={(e) => setReportId(e.target.value)}>
                {sources.reports.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
              </select>
            </FormRow>
            <FormRow id="add-widget-chart" label="Chart">
              <select id="add-widget-chart" className="input" value={chart} onChange={(e) => setChart(e.target.value as ChartType | "")}>
                <option value="">{report ? `${CHART_LABELS[report.chart as ChartType] ?? report.chart} (the report's)` : "The report's"}</option>
                {CHARTS.map((c) => <option key={c} value={c}>{CHART_LABELS[c]}</option>)}
              </select>
            </FormRow>
          </>
        ) : (
          <FormRow id="add-widget-kpi" label="KPI">
            <select id="add-widget-kpi" className="input" value={kpi} onChange={(e) => setKpi(e.target.value)}>
              {sources.kpis.map((k) => <option key={k.key} value={k.key}>{k.label}</option>)}
            </select>
          </FormRow>
        )}
        <FormRow id="add-widget-width" label="Width">
          <select id="add-widget-width" className="input" value={width} onChange={(e) => setWidth(Number(e.target.value))}>
            {WIDTHS.map((n) => <option key={n} value={n}>{n} of {GRID_COLUMNS} columns</option>)}
          </select>
        </FormRow>
        <div className="form-row add-widget-button">
          <button type="button" className="button" disabled={!ready}
            onClick={() => onAdd(kind === "report" && report
              ? newWidget({ report_id: reportId }, width, chart || null, defaultDateField(report.definition, object(report.definition.object)?.fields ?? []))
              : newWidget({ kpi }, width))}>
            + Add widget
          </button>
        </div>
      </div>
    </section>
  );
}
