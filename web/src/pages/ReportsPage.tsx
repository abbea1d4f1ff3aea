// Saved reports and their schedules: every report the user may open (theirs and the
// shared ones), downloadable as CSV or XLSX, and mailed on a schedule to users of the
// workspace, each getting the report run as themselves (docs/reports.md).
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { api, ApiError, query } from "../api/client";
import type { ListPage } from "../api/types";
import { useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { useToast } from "../components/toast";
import { EmptyState, ErrorBanner, FormDialog, FormRow, Pending } from "../components/ui";
import { formatDateTime } from "../fields/format";
import { mayChangeOwned } from "../lib/permissions";
import { scheduleText, WEEKDAYS, type Schedule, type SavedReport } from "../reports/schedules";
import type { Dashboard } from "../reports/types";

// What a schedule mails: a report or a dashboard.
type Target = { kind: "report" | "dashboard"; id: string; name: string };

export default function ReportsPage() {
  const toast = useToast();
  const me = useSignedIn();
  const { object } = useMetadata();
  const [reports, setReports] = useState<SavedReport[] | null>(null);
  const [dashboards, setDashboards] = useState<Dashboard[]>([]);
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [mail, setMail] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [scheduling, setScheduling] = useState<Target | null>(null);

  const load = useCallback(() => {
    Promise.all([
      api.get<{ data: SavedReport[] }>("/reports"),
      api.get<{ data: Schedule[]; mail_configured: boolean }>("/schedules"),
      api.get<{ data: Dashboard[] }>("/dashboards"),
    ]).then(([r, s, d]) => {
      setReports(r.data);
      setDashboards(d.data);
      setSchedules(s.data);
      setMail(s.mail_configured);
    }, (e) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  useEffect(load, [load]);

  const names = useMemo(() => new Map([...(reports ?? []), ...dashboards].map((r) => [r.id, r.name])), [reports, dashboards]);
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      toast(done);
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), { tone: "error" });
    }
    load();
  };

  if (error) return <div className="page"><ErrorBanner error={error} onRetry={load} /></div>;
  if (!reports || !schedules) return <Pending />;
  return (
    <div className="page reports-page">
      <div className="page-head">
        <h1>Reports</h1>
        <span className="spacer" />
        {!me.read_only && <Link className="button primary" to="/reports/new">New report</Link>}
      </div>
      {reports.length === 0 ? (
        <EmptyState title="No reports yet" action={!me.read_only && <Link className="button primary" to="/reports/new">Build a report</Link>}>
          A report groups and measures any object's records; dashboards show reports as charts.
        </EmptyState>
      ) : (
        <table className="table">
          <thead><tr><th scope="col">Report</th><th scope="col">Of</th><th scope="col">Shared</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id}>
                <td>{r.name}{r.description && <div className="muted small">{r.description}</div>}</td>
                <td>{object(r.definition.object)?.label_plural ?? r.definition.object}</td>
                <td>{r.shared ? "Everyone" : "Only you"}</td>
                <td className="actions">
                  {mayChangeOwned(r, me) && <Link className="button small" to={`/reports/${r.id}/edit`} aria-label={`Edit ${r.name}`}>Edit</Link>}
                  <a className="button small" href={`/api/v1/reports/${r.id}/results?format=xlsx`} download>XLSX</a>
                  <a className="button small" href={`/api/v1/reports/${r.id}/results?format=csv&header=labels`} download>CSV</a>
                  <button type="button" className="button small" onClick={() => setScheduling({ kind: "report", id: r.id, name: r.name })} aria-label={`Schedule ${r.name}`}>Schedule</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="section-head">
        <h2 className="section-title">Dashboards</h2>
        {!me.read_only && <Link className="button small" to="/dashboards/new">New dashboard</Link>}
      </div>
      {dashboards.length > 0 && (
        <>
          <table className="table">
            <thead><tr><th scope="col">Dashboard</th><th scope="col">Widgets</th><th scope="col">Shared</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {dashboards.map((d) => (
                <tr key={d.id}>
                  <td><Link to={`/dashboards/${d.id}`}>{d.name}</Link></td>
                  <td>{d.widgets.length}</td>
                  <td>{d.shared ? "Everyone" : "Only you"}</td>
                  <td className="actions">
                    {mayChangeOwned(d, me) && <Link className="button small" to={`/dashboards/${d.id}/edit`} aria-label={`Edit ${d.name} dashboard`}>Edit</Link>}
                    <button type="button" className="button small" onClick={() => setScheduling({ kind: "dashboard", id: d.id, name: d.name })} aria-label={`Schedule ${d.name} dashboard`}>Schedule</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <h2 className="section-title">Scheduled by mail</h2>
      {!mail && <p className="muted" role="note">This server sends no mail yet (its administrator starts it with an SMTP server): schedules are kept, none is sent.</p>}
      {schedules.length === 0 ? <p className="muted">Nothing scheduled. “Schedule” mails a report to people of the workspace every day, week or month.</p> : (
        <table className="table schedules">
          <thead><tr><th scope="col">Report</th><th scope="col">When</th><th scope="col">To</th><th scope="col">Next</th><th scope="col">Last sent</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id} className={s.active ? undefined : "muted"}>
                <td>{names.get(s.report_id ?? s.dashboard_id ?? "") ?? "(no longer shared with you)"}{s.dashboard_id && " (dashboard)"} <span className="badge">{s.format.toUpperCase()}</span></td>
                <td>{scheduleText(s)}</td>
                <td>{s.recipients.length} {s.recipients.length === 1 ? "person" : "people"}</td>
                <td>{s.next_run_at ? formatDateTime(s.next_run_at) : "Paused"}</td>
                <td>{s.last_run_at ? <>{formatDateTime(s.last_run_at)}<div className="muted small">{s.last_status}</div></> : "Never"}</td>
                <td className="actions">
                  <button type="button" className="button small" disabled={!mail} onClick={() => void act(() => api.post(`/schedules/${s.id}/send`, {}), "Sent.")}>Send now</button>
                  <button type="button" className="button small" onClick={() => void act(() => api.patch(`/schedules/${s.id}`, { active: !s.active }), s.active ? "Paused." : "Resumed.")}>{s.active ? "Pause" : "Resume"}</button>
                  <button type="button" className="button small danger" onClick={() => {
                    if (window.confirm("Delete this schedule? Nobody gets the report by mail any more.")) void act(() => api.delete(`/schedules/${s.id}`), "Schedule deleted.");
                  }}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {scheduling && (
        <ScheduleDialog target={scheduling} onClose={() => setScheduling(null)} onSaved={() => { setScheduling(null); toast("Scheduled."); load(); }} />
      )}
    </div>
  );
}

function ScheduleDialog({ target, onClose, onSaved }: { target: Target; onClose: () => void; onSaved: () => void }) {
  const me = useSignedIn();
  const [frequency, setFrequency] = useState<Schedule["frequency"]>("weekly");
  const [weekday, setWeekday] = useState(1);
  const [day, setDay] = useState(1);
  const [hour, setHour] = useState(8);
  const [format, setFormat] = useState<Schedule["format"]>("xlsx");
  const [users, setUsers] = useState<{ id: string; name: string; email: string }[] | null>(null);
  const [recipients, setRecipients] = useState<Set<string>>(new Set([me.user_id]));
  useEffect(() => {
    // Deactivated users (active: false) get no mail; no value means active.
    api.get<ListPage>(`/objects/users${query({ sort: "name", limit: 500 })}`).then(
      (page) => setUsers(page.data.filter((u) => u.active !== false)
        .map((u) => ({ id: String(u.id), name: String(u.name ?? ""), email: String(u.email ?? "") }))),
      () => setUsers([]),
    );
  }, []);
  const toggle = (id: string) => setRecipients((r) => {
    const next = new Set(r);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const submit = async () => {
    await api.post("/schedules", {
      [target.kind === "report" ? "report_id" : "dashboard_id"]: target.id, format, frequency, hour, weekday, day_of_month: day, recipients: [...recipients],
    });
    onSaved();
  };
  return (
    <FormDialog title={`Mail “${target.name}”`} submitLabel="Schedule" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
          <FormRow id="schedule-frequency" label="Every" error={error?.errorFor("frequency")}>
            <select id="schedule-frequency" className="input" value={frequency} onChange={(e) => setFrequency(e.target.value as Schedule["frequency"])}>
              <option value="daily">Day</option>
              <option value="weekly">Week</option>
              <option value="monthly">Month</option>
            </select>
          </FormRow>
          {frequency === "weekly" && (
            <FormRow id="schedule-weekday" label="On" error={error?.errorFor("weekday")}>
              <select id="schedule-weekday" className="input" value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
                {WEEKDAYS.map((name, i) => <option key={name} value={i + 1}>{name}</option>)}
              </select>
            </FormRow>
          )}
          {frequency === "monthly" && (
            <FormRow id="schedule-day" label="On day" error={error?.errorFor("day_of_month")} hint="1 to 28: a day every month has.">
              <input id="schedule-day" className="input" type="number" min={1} max={28} value={day} onChange={(e) => setDay(Number(e.target.value))} />
            </FormRow>
          )}
          <FormRow id="schedule-hour" label="At" error={error?.errorFor("hour")} hint="In the workspace's time zone.">
            <select id="schedule-hour" className="input" value={hour} onChange={(e) => setHour(Number(e.target.value))}>
              {Array.from({ length: 24 }, (_, h) => <option key={h} value={h}>{String(h).padStart(2, "0")}:00</option>)}
            </select>
          </FormRow>
          <FormRow id="schedule-format" label="Attached as" error={error?.errorFor("format")}>
            <select id="schedule-format" className="input" value={format} onChange={(e) => setFormat(e.target.value as Schedule["format"])}>
              <option value="xlsx">Excel workbook (XLSX)</option>
              <option value="csv">CSV</option>
            </select>
          </FormRow>
          <fieldset className="form-row recipients">
            <legend>To</legend>
            {!users ? <Pending inline /> : users.map((u) => (
              <label key={u.id} className="check">
                <input type="checkbox" checked={recipients.has(u.id)} onChange={() => toggle(u.id)} />
                {u.id === me.user_id ? `${u.name} (you)` : u.name} <span className="muted">{u.email}</span>
              </label>
            ))}
            {error?.fieldErrors.filter((f) => f.field.startsWith("recipients")).map((f) => (
              <p key={f.field} className="field-error" role="alert">{f.message}</p>
            ))}
            <p className="hint">Each person gets the report as they may see it, and nothing if they may not open or export it.</p>
          </fieldset>
        </>
      )}
    </FormDialog>
  );
}
