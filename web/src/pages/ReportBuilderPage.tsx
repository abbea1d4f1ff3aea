// The report builder (/reports/new, /reports/:id/edit): an object, a type, columns or
// groupings, measures, a filter, a sort and a chart, with a live preview. Each change
// runs the definition as it stands (POST /reports/run) after a short pause; the
// server's objections show beside the control they name. The form's model and its
// mapping to a definition live in reports/builder.ts.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ApiError, query } from "../api/client";
import { workspaceApi, type ExchangeRates } from "../api/workspace";
import { navigationObjects, useMetadata } from "../app/metadata";
import { ColumnChooser } from "../components/ColumnChooser";
import { useToast } from "../components/toast";
import { Breadcrumbs, ErrorBanner, FormRow, Pending } from "../components/ui";
import { FilterBuilder } from "../filter/FilterBuilder";
import {
  AGGREGATE_FNS, BUCKETS, MAX_ACROSS, MAX_GROUPINGS, aggregatesFor, canBucket, canGroupBy, canMeasureSince, chartsFor, convertible,
  definitionFromForm, rateDateFields, fittingChart, fnLabel, formFromDefinition, measurableFields, measureWithField, measureWithFn, needsSince, newForm,
  problemByControl, reportFields, columnFields, runnable, sinceFields, sortKeys, withType,
  type Aggregate, type AggregateFn, type Control, type Grouping, type ReportField, type ReportForm,
} from "../reports/builder";
import { ReportResultView } from "../reports/ReportView";
import { usePreview } from "../reports/usePreview";
import type { SavedReport } from "../reports/schedules";
import { CHART_LABELS, type ChartType, type ReportResult, type ReportRow } from "../reports/types";

type Errors = Partial<Record<Control | "", string>>;

export default function ReportBuilderPage() {
  const { id } = useParams();
  const { objects, object } = useMetadata();
  const [saved, setSaved] = useState<SavedReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!id) return;
    api.get<SavedReport>(`/reports/${id}`).then(setSaved, (e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id]);
  if (error) return <div className="page"><ErrorBanner error={error} /></div>;
  if (id && !saved) return <Pending />;
  if (saved && !object(saved.definition.object)) {
    return <div className="page"><ErrorBanner error={`This report is of ${saved.definition.object}, which you may not read.`} /></div>;
  }
  // A new report starts with deals when there are any to report on, as most do.
  const start = navigationObjects(objects).find((o) => o.name === "opportunities") ?? navigationObjects(objects)[0];
  return <Builder key={id ?? "new"} saved={saved} initial={saved ? formFromDefinition(saved.definition) : newForm(start)} />;
}

function Builder({ saved, initial }: { saved: SavedReport | null; initial: ReportForm }) {
  const navigate = useNavigate();
  const toast = useToast();
  const { objects, object } = useMetadata();
  const [form, setForm] = useState<ReportForm>(initial);
  const [name, setName] = useState(saved?.name ?? "");
  const [description, setDescription] = useState(saved?.description ?? "");
  const [shared, setShared] = useState(saved?.shared ?? false);
  const [chart, setChart] = useState<ChartType>((saved?.chart as ChartType | undefined) ?? "bar");
  const [editingFilter, setEditingFilter] = useState(false);
  const [choosingColumns, setChoosingColumns] = useState(false);
  const [saveErrors, setSaveErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);

  const meta = object(form.object)!;
  const fields = useMemo(() => reportFields(meta, object), [meta, object]);
  const columns = useMemo(() => columnFields(meta, object), [meta, object]);
  const definition = useMemo(() => definitionFromForm(form, fields), [form, fields]);
  const preview = usePreview(definition, runnable(form));
  const shownChart = fittingChart(form, chart);
  // The preview's objections, or (after a save was refused) the save's.
  const errors: Errors = { ...preview.errors, ...saveErrors };

  const change = (next: ReportForm) => {
    setForm(next);
    setSaveErrors({});
  };

  const save = async () => {
    if (!name.trim()) {
      setSaveErrors({ name: "Give the report a name." });
      document.getElementById("report-name")?.focus();
      return;
    }
    setSaving(true);
    const body = { name: name.trim(), description, definition, chart: shownChart, shared };
    try {
      if (saved) await api.patch(`/reports/${saved.id}`, body);
      else await api.post("/reports", body);
      toast(saved ? "Report saved." : `“${name.trim()}” saved.`);
      navigate("/reports");
    } catch (e) {
      setSaveErrors(problemByControl(e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) }), definition.filter !== ""));
      // The first message, beside its control (or the banner at the top), comes into view.
      requestAnimationFrame(() => document.querySelector(".report-builder .banner.error, .report-builder .field-error")?.scrollIntoView({ block: "center" }));
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!saved || !window.confirm(`Delete the report “${saved.name}”? It cannot be undone, and dashboards showing it lose that widget's figures.`)) return;
    try {
      await api.delete(`/reports/${saved.id}`);
      toast("Report deleted.");
      navigate("/reports");
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), { tone: "error" });
    }
  };

  const drill = (keys: ReportRow) => {
    api.post<{ object: string; filter: string }>("/reports/drilldown", { definition, keys }).then(
      (d) => window.open(`/o/${d.object}${query({ filter: d.filter })}`, "_blank", "noopener"),
      (e) => toast(e instanceof ApiError ? e.message : String(e), { tone: "error" }),
    );
  };

  const title = saved ? `Edit “${saved.name}”` : "New report";
  return (
    <div className="page report-builder">
      <Breadcrumbs items={[{ label: "Reports", to: "/reports" }, { label: saved ? saved.name : "New report" }]} />
      <div className="page-head">
        <h1>{title}</h1>
        <span className="spacer" />
        {saved && <button type="button" className="button danger" onClick={() => void remove()}>Delete</button>}
        <Link className="button" to="/reports">Cancel</Link>
        <button type="button" className="button primary" onClick={() => void save()} disabled={saving}>{saving ? "Saving…" : "Save report"}</button>
      </div>
      {saveErrors[""] && <ErrorBanner error={saveErrors[""]} />}
      <div className="builder">
        <div className="builder-form">
          <section className="panel" aria-labelledby="builder-about">
            <h2 id="builder-about">Report</h2>
            <FormRow id="report-name" label="Name" required error={errors.name}>
              <input id="report-name" className="input" value={name} maxLength={100} placeholder="Pipeline by stage"
                aria-invalid={errors.name ? true : undefined} aria-describedby="report-name-error"
                onChange={(e) => { setName(e.target.value); setSaveErrors({ ...saveErrors, name: undefined }); }} />
            </FormRow>
            <FormRow id="report-description" label="Description" error={errors.description}>
              <input id="report-description" className="input" value={description} onChange={(e) => setDescription(e.target.value)} />
            </FormRow>
            <FormRow id="report-object" label="Report on" error={errors.object}>
              <select id="report-object" className="input" value={form.object}
                onChange={(e) => { change(newForm(object(e.target.value)!)); setEditingFilter(false); }}>
                {navigationObjects(objects).map((o) => <option key={o.name} value={o.name}>{o.label_plural}</option>)}
              </select>
            </FormRow>
            <fieldset className="form-row builder-type">
              <legend>Type</legend>
              <div className="segmented">
                {([["tabular", "Tabular", "A list of records"], ["summary", "Summary", "Groups with totals"], ["matrix", "Matrix", "Groups down and across"]] as const).map(([value, label, hint]) => (
                  <label key={value} className={form.type === value ? "choice active" : "choice"}>
                    <input type="radio" name="report-type" value={value} checked={form.type === value}
                      onChange={() => change(withType(form, value, meta))} />
                    <span><strong>{label}</strong><span className="muted small">{hint}</span></span>
                  </label>
                ))}
              </div>
              {errors.type && <p className="field-error" role="alert">{errors.type}</p>}
            </fieldset>
            <div className="form-grid">
              <FormRow id="report-chart" label="Shown as" error={errors.chart}>
                <select id="report-chart" className="input" value={shownChart} onChange={(e) => setChart(e.target.value as ChartType)}>
                  {chartsFor(form).map((c) => <option key={c} value={c}>{CHART_LABELS[c]}</option>)}
                </select>
              </FormRow>
              <div className="form-row builder-shared">
                <label className="check"><input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> Shared with the workspace</label>
              </div>
            </div>
          </section>

          {form.type === "tabular" ? (
            <section className="panel" aria-labelledby="builder-columns">
              <div className="panel-head">
                <h2 id="builder-columns">Columns</h2>
                <span className="spacer" />
                <button type="button" className="button small" onClick={() => setChoosingColumns(true)}>Choose columns…</button>
              </div>
              <ol className="chips" aria-label="Chosen columns">
                {form.columns.map((c) => <li key={c} className="badge">{columns.find((f) => f.name === c)?.label ?? c}</li>)}
              </ol>
              {errors.columns && <p className="field-error" role="alert">{errors.columns}</p>}
            </section>
          ) : (
            <>
              <Groupings
                title={form.type === "matrix" ? "Rows" : "Group by"} control="group_by" fields={fields} error={errors.group_by}
                items={form.groupBy} max={form.type === "matrix" ? MAX_GROUPINGS - Math.max(1, form.across.length) : MAX_GROUPINGS}
                onChange={(groupBy) => change({ ...form, groupBy })}
              />
              {form.type === "matrix" && (
                <Groupings
                  title="Columns across" control="across" fields={fields} error={errors.across} items={form.across}
                  max={Math.min(MAX_ACROSS, MAX_GROUPINGS - Math.max(1, form.groupBy.length))}
                  onChange={(across) => change({ ...form, across })}
                />
              )}
              <Measures fields={fields} items={form.aggregates} error={errors.aggregates} onChange={(aggregates) => change({ ...form, aggregates })} />
              {convertible(form, fields) && <Conversion form={form} fields={fields} errors={errors} onChange={change} />}
            </>
          )}

          <section className="panel" aria-labelledby="builder-filter">
            <div className="panel-head">
              <h2 id="builder-filter">Filter</h2>
              <span className="spacer" />
              {!editingFilter && <button type="button" className="button small" onClick={() => setEditingFilter(true)}>{form.filter ? "Edit filter" : "Add filter"}</button>}
            </div>
            {editingFilter ? (
              <FilterBuilder key={form.object} fields={meta.fields} value={form.filter} error={errors.filter}
                onApply={(filter) => change({ ...form, filter })} onClose={() => setEditingFilter(false)} />
            ) : (
              <>
                {form.filter ? <p className="filter-summary"><code>{form.filter}</code></p> : <p className="muted">Every {meta.label_plural.toLowerCase()} record you may read.</p>}
                {errors.filter && <p className="field-error" role="alert">{errors.filter}</p>}
              </>
            )}
          </section>

          <section className="panel" aria-labelledby="builder-sort">
            <h2 id="builder-sort">Sort and limit</h2>
            <div className="form-grid">
              <FormRow id="report-sort" label="Sort by" error={errors.sort}>
                <select id="report-sort" className="input" value={form.sortKey} onChange={(e) => change({ ...form, sortKey: e.target.value })}>
                  <option value="">{form.type === "tabular" ? "Default order" : "Group order"}</option>
                  {sortKeys(form, fields).map((k) => <option key={k.key} value={k.key}>{k.label}</option>)}
                </select>
              </FormRow>
              <FormRow id="report-direction" label="Direction">
                <select id="report-direction" className="input" value={form.descending ? "desc" : "asc"} disabled={!form.sortKey}
                  onChange={(e) => change({ ...form, descending: e.target.value === "desc" })}>
                  <option value="asc">Lowest first</option>
                  <option value="desc">Highest first</option>
                </select>
              </FormRow>
              <FormRow id="report-limit" label={form.type === "tabular" ? "Rows per page" : "Top"} error={errors.limit}
                hint={form.type === "tabular" ? "100 unless set; at most 500." : "Every group unless set; with a sort, the top N."}>
                <input id="report-limit" className="input" type="number" min={1} inputMode="numeric" value={form.limit}
                  aria-invalid={errors.limit ? true : undefined} aria-describedby="report-limit-error"
                  onChange={(e) => change({ ...form, limit: e.target.value })} />
              </FormRow>
            </div>
          </section>
        </div>

        <section className="panel builder-preview" aria-labelledby="builder-preview" aria-busy={preview.running}>
          <div className="panel-head">
            <h2 id="builder-preview">Preview</h2>
            <span className="spacer" />
            {preview.running && <span className="preview-running" role="status"><span className="spinner small" aria-hidden="true" /> Running…</span>}
            {!preview.running && preview.result && <span className="muted small" role="status">{resultSummary(preview.result)}</span>}
          </div>
          {!runnable(form) ? (
            <p className="muted">{form.type === "tabular" ? "Choose at least one column." : "A matrix needs a grouping down and one across."}</p>
          ) : preview.errors[""] ? (
            <ErrorBanner error={preview.errors[""]} />
          ) : Object.keys(preview.errors).length > 0 ? (
            <p className="banner error" role="alert">The report cannot run as it stands: see the highlighted settings.</p>
          ) : !preview.result ? (
            <Pending inline label="Running the report" />
          ) : (
            <div className={preview.running ? "preview-body stale" : "preview-body"}>
              {shownChart !== "table" && preview.result.rows.length + (preview.result.totals?.length ?? 0) > 0 && (
                <div className={shownChart === "kpi" ? "preview-kpi" : "preview-chart"}>
                  <ReportResultView result={preview.result} chart={shownChart} title={name || "Preview"} object={form.object} onDrill={drill} empty="No records match." />
                </div>
              )}
              {shownChart !== "kpi" && (preview.result.rows.length === 0
                ? <p className="muted">No records match.</p>
                : <ReportResultView result={preview.result} chart="table" title={name || "Preview"} object={form.object} onDrill={drill} />)}
            </div>
          )}
        </section>
      </div>

      {choosingColumns && (
        <ColumnChooser
          fields={columns}
          chosen={form.columns}
          onChange={(columns) => change({ ...form, columns })}
          onReset={() => change({ ...form, columns: [meta.title_field] })}
          onClose={() => setChoosingColumns(false)}
        />
      )}
    </div>
  );
}

function resultSummary(result: ReportResult): string {
  const n = result.rows.length;
  if (result.definition.type === "tabular") return `${n} ${n === 1 ? "record" : "records"}${result.next_cursor ? ", the first page" : ""}`;
  return `${n} ${n === 1 ? "group" : "groups"}${result.truncated ? ", more not shown" : ""}`;
}

// A field picker: the object's own fields, then each related record's, under its lookup.
// `prefix` begins each field's option ("since Created") where the select's place in
// its row does not say what the field is for.
function FieldSelect({ id, label, fields, value, onChange, blank, invalid, prefix = "", className = "input" }: {
  id: string; label: string; fields: ReportField[]; value: string; onChange: (name: string) => void; blank?: string; invalid?: boolean;
  prefix?: string; className?: string;
}) {
  const own = fields.filter((f) => !f.relation);
  const relations = [...new Set(fields.filter((f) => f.relation).map((f) => f.relation!))];
  const known = value === "" || fields.some((f) => f.name === value);
  return (
    <select id={id} className={className} aria-label={label} value={value} aria-invalid={invalid ? true : undefined} onChange={(e) => onChange(e.target.value)}>
      {blank !== undefined && <option value="">{blank}</option>}
      {!known && <option value={value}>{prefix}{value}</option>}
      <optgroup label="Fields">{own.map((f) => <option key={f.name} value={f.name}>{prefix}{f.label}</option>)}</optgroup>
      {relations.map((r) => {
        const related = fields.filter((f) => f.relation === r);
        return (
          <optgroup key={r} label={related[0].label.split(": ")[0]}>
            {related.map((f) => <option key={f.name} value={f.name}>{prefix}{f.label}</option>)}
          </optgroup>
        );
      })}
    </select>
  );
}

function Groupings({ title, control, fields, items, max, error, onChange }: {
  title: string; control: "group_by" | "across"; fields: ReportField[]; items: Grouping[]; max: number; error?: string;
  onChange: (items: Grouping[]) => void;
}) {
  const groupable = fields.filter(canGroupBy);
  const set = (i: number, g: Grouping) => onChange(items.map((x, j) => (j === i ? g : x)));
  const move = (i: number, by: number) => {
    const next = [...items];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item);
    onChange(next);
  };
  const headingId = `builder-${control}`;
  return (
    <section className={error ? "panel invalid" : "panel"} aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {items.length === 0 && <p className="muted">No grouping: the report is one total.</p>}
      <ol className="builder-rows">
        {items.map((g, i) => {
          const field = fields.find((f) => f.name === g.field);
          const what = `${title} level ${i + 1}`;
          return (
            <li key={i} className="builder-row">
              <FieldSelect id={`${control}-${i}`} label={`${what} field`} fields={groupable} value={g.field} invalid={Boolean(error)}
                onChange={(name) => set(i, { field: name, bucket: canBucket(fields.find((f) => f.name === name)) ? (g.bucket || "month") : "" })} />
              {canBucket(field) && (
                <select className="input bucket" aria-label={`${what} by`} value={g.bucket} onChange={(e) => set(i, { ...g, bucket: e.target.value as Grouping["bucket"] })}>
                  <option value="">Exact value</option>
                  {BUCKETS.map((b) => <option key={b} value={b}>{b[0].toUpperCase() + b.slice(1)}</option>)}
                </select>
              )}
              <span className="row-actions">
                <button type="button" className="icon-button" aria-label={`Move ${what} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                <button type="button" className="icon-button" aria-label={`Move ${what} down`} disabled={i === items.length - 1} onClick={() => move(i, 1)}>↓</button>
                <button type="button" className="icon-button" aria-label={`Remove ${what}`} onClick={() => onChange(items.filter((_, j) => j !== i))}>×</button>
              </span>
            </li>
          );
        })}
      </ol>
      {error && <p className="field-error" role="alert">{error}</p>}
      {items.length < max && (
        <button type="button" className="button small" onClick={() => onChange([...items, { field: groupable.find((f) => !items.some((g) => g.field === f.name))?.name ?? "", bucket: "" }])}>
          + Add {items.length === 0 ? "a grouping" : "a level"}
        </button>
      )}
    </section>
  );
}

// Money in the workspace's currency at dated exchange rates (Settings → Workspace),
// rather than a figure per currency.
function Conversion({ form, fields, errors, onChange }: {
  form: ReportForm; fields: ReportField[]; errors: Errors; onChange: (form: ReportForm) => void;
}) {
  const [rates, setRates] = useState<ExchangeRates | null>(null);
  useEffect(() => void workspaceApi.rates().then(setRates, () => undefined), []);
  const dated = rateDateFields(fields);
  const currency = rates?.currency ?? "the workspace's currency";
  return (
    <section className={errors.convert || errors.rate_date ? "panel invalid" : "panel"} aria-labelledby="builder-currency">
      <h2 id="builder-currency">Currency</h2>
      <div className="form-row">
        <label className="check">
          <input type="checkbox" checked={form.convert} aria-describedby="report-convert-error"
            aria-invalid={errors.convert ? true : undefined} onChange={(e) => onChange({ ...form, convert: e.target.checked })} /> Convert to {currency}
        </label>
        {errors.convert ? <p className="field-error" id="report-convert-error" role="alert">{errors.convert}</p>
          : <p className="hint" id="report-convert-error">{form.convert
            ? rates && rates.data.length === 0 ? "The workspace has no exchange rates yet: each currency stays apart." : "A currency without a rate stays apart."
            : "Off: money is added up per currency."}</p>}
      </div>
      {form.convert && (
        <FormRow id="report-rate-date" label="Rate of" error={errors.rate_date} hint={form.rateDate ? "Each record's money at the rate of that day." : "Every record's money at the latest rate."}>
          <select id="report-rate-date" className="input" value={form.rateDate} aria-invalid={errors.rate_date ? true : undefined}
            aria-describedby="report-rate-date-error" onChange={(e) => onChange({ ...form, rateDate: e.target.value })}>
            <option value="">Today's rate</option>
            {form.rateDate && !dated.some((f) => f.name === form.rateDate) && <option value={form.rateDate}>{form.rateDate}</option>}
            {dated.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
          </select>
        </FormRow>
      )}
    </section>
  );
}

function Measures({ fields, items, error, onChange }: {
  fields: ReportField[]; items: Aggregate[]; error?: string; onChange: (items: Aggregate[]) => void;
}) {
  const set = (i: number, a: Aggregate) => onChange(items.map((x, j) => (j === i ? a : x)));
  return (
    <section className={error ? "panel invalid" : "panel"} aria-labelledby="builder-measures">
      <h2 id="builder-measures">Measures</h2>
      {items.length === 0 && <p className="muted">Counts the records unless you add a measure.</p>}
      <ol className="builder-rows">
        {items.map((a, i) => {
          const choices = measurableFields(fields, a.fn).filter((f) => a.fn === "count" || f.name !== "");
          const what = `Measure ${i + 1}`;
          return (
            <li key={i} className="builder-row">
              <select className="input fn" aria-label={`${what} function`} value={a.fn}
                onChange={(e) => set(i, measureWithFn(a, e.target.value as AggregateFn, fields))}>
                {AGGREGATE_FNS.map((fn) => <option key={fn} value={fn}>{fnLabel(fn)}</option>)}
              </select>
              <FieldSelect id={`aggregate-${i}`} label={`${what} field`} fields={choices} value={a.field} invalid={Boolean(error)}
                blank={a.fn === "count" ? "Records" : undefined} onChange={(field) => set(i, measureWithField(a, field, fields))} />
              {(a.since || canMeasureSince(fields, a.fn, a.field)) && (
                // A duration: the days from this date to the field's. Lowest and highest
                // of a date need none; a sum, an average or a median of one is only a duration.
                <FieldSelect id={`aggregate-${i}-since`} label={`${what} since`} className="input since" fields={sinceFields(fields, a.field)}
                  value={a.since ?? ""} invalid={Boolean(error)} prefix="since "
                  blank={needsSince(fields, a.fn, a.field) && a.since ? undefined : "No duration"}
                  onChange={(since) => set(i, since ? { ...a, since } : { fn: a.fn, field: a.field })} />
              )}
              <span className="row-actions">
                <button type="button" className="icon-button" aria-label={`Remove ${what}`} onClick={() => onChange(items.filter((_, j) => j !== i))}>×</button>
              </span>
            </li>
          );
        })}
      </ol>
      {error && <p className="field-error" role="alert">{error}</p>}
      <button type="button" className="button small" onClick={() => {
        const money = fields.find((f) => !f.relation && aggregatesFor(f).includes("sum"));
        onChange([...items, money ? { fn: "sum", field: money.name } : { fn: "count", field: "" }]);
      }}>+ Add a measure</button>
    </section>
  );
}
