// The CRM's KPIs (docs/reports.md): every one in the catalogue as a tile, computed by
// the server as the user over a period, an owner and a pipeline kept in the URL, with
// the change against the period before and the formula it follows. A tile opens the
// figure of each owner.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { api, ApiError, query } from "../api/client";
import type { ListPage } from "../api/types";
import { useMetadata } from "../app/metadata";
import { ErrorBanner, Modal, Pending } from "../components/ui";
import { KpiValue } from "../reports/KpiValue";
import { kpiFigureText, type KpiInfo, type KpiResult } from "../reports/kpis";
import { PERIODS } from "../reports/types";

type Outcome = { result: KpiResult } | { error: string };

const KPI_PERIODS = PERIODS.filter((p) => p.value !== "");

export default function KpiPage() {
  const { object } = useMetadata();
  const [params, setParams] = useSearchParams();
  const period = params.get("period") || "this_quarter";
  const owner = params.get("owner") ?? "";
  const pipeline = params.get("pipeline") ?? "";
  const [catalogue, setCatalogue] = useState<KpiInfo[] | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [breakdown, setBreakdown] = useState<KpiInfo | null>(null);

  useEffect(() => {
    api.get<{ data: KpiInfo[] }>("/kpis").then((r) => setCatalogue(r.data), (e) => setError(String(e.message ?? e)));
  }, []);

  const filters = useMemo(() => ({ period, owner: owner || undefined, pipeline: pipeline || undefined }), [period, owner, pipeline]);
  const load = useCallback(() => {
    if (!catalogue) return;
    setLoading(true);
    // One request per KPI, all at once: each tile fills in as its answer comes.
    void Promise.all(catalogue.map((info) =>
      api.get<KpiResult>(`/kpis/${info.key}${query(filters)}`).then(
        (result) => setOutcomes((o) => ({ ...o, [info.key]: { result } })),
        (e) => setOutcomes((o) => ({ ...o, [info.key]: { error: e instanceof ApiError ? e.message : String(e) } })),
      ))).finally(() => setLoading(false));
  }, [catalogue, filters]);
  useEffect(load, [load]);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value); else next.delete(name);
    setParams(next, { replace: true });
  };
  const pipelines = object("opportunities")?.fields.find((f) => f.name === "pipeline")?.options ?? [];
  const anyResult = Object.values(outcomes).find((o): o is { result: KpiResult } => "result" in o);

  if (error) return <div className="page"><ErrorBanner error={error} /></div>;
  return (
    <div className="page kpi-page">
      <div className="page-head">
        <h1>KPIs</h1>
        <div className="dashboard-filters">
          <label>Period{" "}
            <select value={period} onChange={(e) => setFilter("period", e.target.value)}>
              {KPI_PERIODS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
            </select>
          </label>
          <label>Owner{" "}
            <select value={owner} onChange={(e) => setFilter("owner", e.target.value)}>
              <option value="">Everyone</option>
              <option value="me">Mine</option>
            </select>
          </label>
          {pipelines.length > 0 && (
            <label>Pipeline{" "}
              <select value={pipeline} onChange={(e) => setFilter("pipeline", e.target.value)}>
                <option value="">All</option>
                {pipelines.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
              </select>
            </label>
          )}
          <button type="button" className="button" onClick={load} disabled={loading}>Refresh</button>
        </div>
      </div>
      {anyResult && (
        <p className="muted dashboard-period">
          {anyResult.result.period.from} – {anyResult.result.period.to}, against {anyResult.result.previous_period.from} – {anyResult.result.previous_period.to}
        </p>
      )}
      {!catalogue ? <Pending /> : (
        <div className="kpi-grid" aria-busy={loading}>
          {catalogue.map((info) => (
            <KpiTile key={info.key} info={info} outcome={outcomes[info.key]} onBreakdown={() => setBreakdown(info)} />
          ))}
        </div>
      )}
      {breakdown && <OwnerBreakdown info={breakdown} filters={filters} onClose={() => setBreakdown(null)} />}
    </div>
  );
}

function KpiTile({ info, outcome, onBreakdown }: { info: KpiInfo; outcome: Outcome | undefined; onBreakdown: () => void }) {
  const titleId = `kpi-${info.key}`;
  let body: React.ReactNode;
  if (!outcome) {
    body = <Pending inline />;
  } else if ("error" in outcome) {
    body = <p className="muted" role="note">{outcome.error}</p>;
  } else {
    body = (
      <>
        <KpiValue info={info} result={outcome.result} />
        <button type="button" className="link-button kpi-owners" onClick={onBreakdown}>By owner</button>
      </>
    );
  }
  return (
    <section className="panel kpi-tile" aria-labelledby={titleId}>
      <h2 id={titleId} className="widget-title">{info.label}</h2>
      {body}
      <details className="kpi-formula">
        <summary>How it is computed</summary>
        <p>{info.formula}</p>
      </details>
    </section>
  );
}

// Each owner's figure over the same period: whose records make the total.
function OwnerBreakdown({ info, filters, onClose }: {
  info: KpiInfo;
  filters: Record<string, string | undefined>;
  onClose: () => void;
}) {
  const [lines, setLines] = useState<{ name: string; text: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([
      api.get<KpiResult>(`/kpis/${info.key}${query({ ...filters, by: "owner" })}`),
      api.get<ListPage>(`/objects/users${query({ sort: "name", limit: 500, fields: "id,name" })}`).catch(() => ({ data: [] }) as unknown as ListPage),
    ]).then(([result, users]) => {
      const names = new Map(users.data.map((u) => [String(u.id), String(u.name ?? u.id)]));
      setLines((result.by_owner ?? []).map((line) => ({
        name: line.owner_id ? names.get(line.owner_id) ?? line.owner_id : "(no owner)",
        text: line.figures.map((f) => kpiFigureText(info.unit, f)).join(", ") || "–",
      })).sort((a, b) => a.name.localeCompare(b.name)));
    }, (e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [info, filters]);
  return (
    <Modal title={`${info.label} by owner`} onClose={onClose}>
      {error ? <ErrorBanner error={error} /> : !lines ? <Pending inline /> : lines.length === 0 ? (
        <p className="muted">No owner has records counted in this period.</p>
      ) : (
        <table className="report-table">
          <thead><tr><th scope="col">Owner</th><th scope="col">{info.label}</th></tr></thead>
          <tbody>{lines.map((l, i) => <tr key={i}><td>{l.name}</td><td className="number">{l.text}</td></tr>)}</tbody>
        </table>
      )}
    </Modal>
  );
}
