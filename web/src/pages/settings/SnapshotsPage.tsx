// Historical snapshots (docs/reports.md): a daily copy of chosen fields of an object's
// records into an object of their own, which reports read for "as of" figures and
// trends. Administrators make them here; the copies are then an object like any other.
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { api, type ApiError } from "../../api/client";
import { useMetadata } from "../../app/metadata";
import { useToast } from "../../components/toast";
import { FormDialog, FormRow, Pending } from "../../components/ui";
import { formatDateTime } from "../../fields/format";

export interface Snapshot {
  id: string;
  name: string;
  object: string;
  filter: string;
  fields: string[];
  target: string;
  hour: number;
  active: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string;
  last_rows: number;
}

// Kept by every record (and by every copy: its owner), so never offered for copying.
const KEPT = new Set(["id", "version", "created_at", "updated_at", "created_by", "deleted_at", "owner_id"]);

export function SnapshotsPage() {
  const toast = useToast();
  const metadata = useMetadata();
  const [snapshots, setSnapshots] = useState<Snapshot[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(async () => setSnapshots((await api.get<{ data: Snapshot[] }>("/snapshots")).data), []);
  useEffect(() => void load(), [load]);
  const labelOf = (object: string) => metadata.object(object)?.label_plural ?? object;

  const act = async (s: Snapshot, work: () => Promise<unknown>, done: string) => {
    setBusy(s.id);
    try {
      await work();
      toast(done);
      await load();
    } finally {
      setBusy(null);
    }
  };
  const takeNow = (s: Snapshot) =>
    act(s, () => api.post(`/snapshots/${s.id}/run`, {}), `Snapshot “${s.name}” taken.`);
  const toggle = (s: Snapshot) =>
    act(s, () => api.patch(`/snapshots/${s.id}`, { active: !s.active }), s.active ? "Paused." : "Resumed.");
  const remove = (s: Snapshot) => {
    if (!window.confirm(`Stop taking “${s.name}”? The snapshots taken stay in ${labelOf(s.target)}.`)) return;
    void act(s, () => api.delete(`/snapshots/${s.id}`), "Snapshot stopped; its history is kept.");
  };

  return (
    <>
      <div className="page-head">
        <h1>Snapshots</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setCreating(true)}>New snapshot</button>
      </div>
      <p className="muted">
        Each day, a copy of chosen fields of the records a filter admits, kept in an object of its own: report on it for
        the pipeline as it was on any day, or its trend. Copies keep their record's owner and the source's permissions.
      </p>
      {!snapshots ? <Pending /> : snapshots.length === 0 ? (
        <p className="muted">No snapshots yet. Start with the open pipeline: opportunities not won or lost, their stage, amount and close date.</p>
      ) : (
        <table className="table snapshots">
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Copies</th><th scope="col">Daily at</th>
              <th scope="col">Last run</th><th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {snapshots.map((s) => (
              <tr key={s.id}>
                <td>{s.name}<div className="muted small">into <Link to={`/o/${s.target}`}>{labelOf(s.target)}</Link></div></td>
                <td>
                  {labelOf(s.object)}: {s.fields.map((f) => metadata.object(s.object)?.fields.find((x) => x.name === f)?.label ?? f).join(", ")}
                  {s.filter && <div className="muted small mono">{s.filter}</div>}
                </td>
                <td>{s.active ? `${String(s.hour).padStart(2, "0")}:00` : "Paused"}</td>
                <td>{s.last_run_at ? <>{formatDateTime(s.last_run_at)}<div className="muted small">{s.last_status}</div></> : "Not yet"}</td>
                <td className="actions">
                  <button type="button" className="button small" disabled={busy === s.id} onClick={() => void takeNow(s)}>Take now</button>
                  <button type="button" className="button small" disabled={busy === s.id} onClick={() => void toggle(s)}>{s.active ? "Pause" : "Resume"}</button>
                  <button type="button" className="button small danger" disabled={busy === s.id} onClick={() => remove(s)}>Stop</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <NewSnapshotDialog
          onClose={() => setCreating(false)}
          onCreated={async (s) => {
            setCreating(false);
            toast(`Snapshot “${s.name}” made.`);
            await metadata.refresh();  // the new object
            await load();
          }}
        />
      )}
    </>
  );
}

function NewSnapshotDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (s: Snapshot) => void }) {
  const metadata = useMetadata();
  const [object, setObject] = useState("opportunities");
  const meta = metadata.object(object);
  const copyable = (meta?.fields ?? []).filter((f) => !KEPT.has(f.name) && f.type !== "id" && (f.custom || !f.read_only));
  const [fields, setFields] = useState<string[]>(["stage", "amount", "close_date"]);
  const [name, setName] = useState("Open pipeline");
  const [filter, setFilter] = useState('stage not in ("won", "lost")');
  const [hour, setHour] = useState(23);
  const chooseObject = (next: string) => {
    setObject(next);
    setFields([]);
    setFilter("");
  };
  const toggle = (field: string) => setFields((f) => (f.includes(field) ? f.filter((x) => x !== field) : [...f, field]));
  const submit = async () => {
    const made = await api.post<Snapshot>("/snapshots", { name, object, filter, fields, hour });
    onCreated(made);
  };
  return (
    <FormDialog title="New snapshot" submitLabel="Make snapshot" onClose={onClose} onSubmit={submit} wide>
      {(error) => (
        <>
          <FormRow id="snapshot-name" label="Name" required error={error?.errorFor("name")}>
            <input id="snapshot-name" className="input" required value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </FormRow>
          <FormRow id="snapshot-object" label="Copy records of" error={error?.errorFor("source") ?? error?.errorFor("target")}>
            <select id="snapshot-object" className="input" value={object} onChange={(e) => chooseObject(e.target.value)}>
              {metadata.objects.map((o) => <option key={o.name} value={o.name}>{o.label_plural}</option>)}
            </select>
          </FormRow>
          <FormRow id="snapshot-filter" label="Only those where" error={error?.errorFor("filter")}
            hint="The filter language of lists; empty: every record.">
            <input id="snapshot-filter" className="input mono" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </FormRow>
          <fieldset className="form-row" aria-describedby={fieldsError(error) ? "snapshot-fields-error" : undefined}>
            <legend>Fields to copy</legend>
            <div className="checks">
              {copyable.map((f) => (
                <label key={f.name} className="check">
                  <input type="checkbox" checked={fields.includes(f.name)} onChange={() => toggle(f.name)} /> {f.label}
                </label>
              ))}
            </div>
            {fieldsError(error) && <p className="field-error" id="snapshot-fields-error" role="alert">{fieldsError(error)}</p>}
          </fieldset>
          <FormRow id="snapshot-hour" label="Every day at" hint="In the workspace's time zone.">
            <select id="snapshot-hour" className="input" value={hour} onChange={(e) => setHour(Number(e.target.value))}>
              {Array.from({ length: 24 }, (_, h) => <option key={h} value={h}>{String(h).padStart(2, "0")}:00</option>)}
            </select>
          </FormRow>
        </>
      )}
    </FormDialog>
  );
}

// A problem with the fields to copy ("fields", "fields[2]"), said next to the checkboxes.
function fieldsError(error: ApiError | null): string | undefined {
  return error?.fieldErrors.find((e) => e.field === "fields" || e.field.startsWith("fields["))?.message;
}
