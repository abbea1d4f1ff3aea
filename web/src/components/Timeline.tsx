// A record's timeline: its activities (notes, calls, meetings, tasks, emails) and the
// changes to its fields, newest first, with a quick-add box on top.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, query } from "../api/client";
import type { FieldValue, HistoryEntry, ListPage, ObjectMeta, RecordData } from "../api/types";
import { useMetadata } from "../app/metadata";
import { relativeTime, valueText } from "../fields/format";
import { useTitle } from "../lib/titles";
import { useToast } from "./toast";
import { Pending } from "./ui";

type Entry =
  | { kind: "activity"; at: string; activity: RecordData }
  | { kind: "change"; at: string; change: HistoryEntry };

const ICONS: Record<string, string> = { note: "✎", call: "☎", meeting: "◷", task: "☐", email: "✉" };

export function Timeline({ meta, record }: { meta: ObjectMeta; record: RecordData }) {
  const { object } = useMetadata();
  const activities = object("activities");
  const toast = useToast();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [type, setType] = useState("note");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [dueAt, setDueAt] = useState("");
  const [busy, setBusy] = useState(false);

  const [failed, setFailed] = useState<string | null>(null);

  const load = useCallback(async () => {
    const filter = `related_object = "${meta.name}" and related_id = "${record.id}"`;
    // What loads is shown; what fails is said (offline, say), never shown as "nothing".
    let failure: string | null = null;
    const fail = (error: Error) => { failure = error.message; };
    const [acts, history] = await Promise.all([
      activities && meta.name !== "activities"
        ? api.get<ListPage>(`/objects/activities${query({ filter, sort: "-created_at", limit: 50 })}`).catch((e: Error) => (fail(e), { data: [] as RecordData[], next_cursor: null }))
        : Promise.resolve({ data: [] as RecordData[], next_cursor: null }),
      api.get<{ data: HistoryEntry[] }>(`/objects/${meta.name}/${record.id}/history`).catch((e: Error) => (fail(e), { data: [] as HistoryEntry[] })),
    ]);
    setFailed(failure);
    const list: Entry[] = [
      ...acts.data.map<Entry>((a) => ({ kind: "activity", at: String(a.created_at), activity: a })),
      ...history.data.filter((h) => h.field).map<Entry>((h) => ({ kind: "change", at: h.changed_at, change: h })),
    ];
    list.sort((a, b) => b.at.localeCompare(a.at));
    setEntries(list);
  }, [activities, meta.name, record.id]);
  // Reload when the record changes (a save adds a change to the timeline).
  useEffect(() => void load(), [load, record.version]);

  const typeField = activities?.fields.find((f) => f.name === "type");
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!subject.trim() && !body.trim()) return;
    setBusy(true);
    try {
      await api.post("/objects/activities", {
        type,
        subject: subject.trim() || body.trim().slice(0, 80),
        body: body.trim() || null,
        due_at: type === "task" && dueAt ? new Date(dueAt).toISOString() : null,
        related_object: meta.name,
        related_id: record.id,
      });
      setSubject("");
      setBody("");
      setDueAt("");
      toast(`${typeField?.options?.find((o) => o.value === type)?.label ?? "Activity"} added.`);
      await load();
    } catch (err) {
      toast((err as Error).message, { tone: "error" });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {activities && meta.name !== "activities" && (
        <form className="quick-add" onSubmit={add} aria-label="Add an activity">
          <div className="segmented" role="radiogroup" aria-label="Activity type">
            {(typeField?.options ?? []).map((o) => (
              <label key={o.value} className={type === o.value ? "segment active" : "segment"}>
                <input type="radio" name="activity-type" value={o.value} checked={type === o.value} onChange={() => setType(o.value)} />
                {o.label}
              </label>
            ))}
          </div>
          <label className="sr-only" htmlFor="activity-subject">Subject</label>
          <input id="activity-subject" className="input" placeholder="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
          <label className="sr-only" htmlFor="activity-body">Details</label>
          <textarea id="activity-body" className="input" rows={2} placeholder="What happened, or what needs doing?" value={body} onChange={(e) => setBody(e.target.value)} />
          {type === "task" && (
            <div className="form-row">
              <label htmlFor="activity-due">Due</label>
              <input id="activity-due" className="input" type="datetime-local" value={dueAt} onChange={(e) => setDueAt(e.target.value)} />
            </div>
          )}
          <button className="button primary small" type="submit" disabled={busy}>{busy ? "Adding…" : "Add"}</button>
        </form>
      )}
      {failed && (
        <p className="banner error" role="alert">
          Some of the timeline could not be loaded: {failed} <button className="link-button" onClick={() => void load()}>Try again</button>
        </p>
      )}
      {entries === null ? (
        <Pending inline />
      ) : entries.length === 0 && !failed ? (
        <p className="muted">Nothing has happened here yet. Log a call or leave a note above.</p>
      ) : (
        <ol className="timeline-list">
          {entries.map((e) =>
            e.kind === "activity" ? (
              <li key={`a-${e.activity.id}`} className="timeline-item">
                <span className="timeline-icon" aria-hidden="true">{ICONS[String(e.activity.type)] ?? "•"}</span>
                <div>
                  <p className="timeline-title">
                    <Link to={`/o/activities/${e.activity.id}`}>{String(e.activity.subject ?? e.activity.type)}</Link>
                    {e.activity.done === true && <span className="badge tone-2">Done</span>}
                  </p>
                  {typeof e.activity.body === "string" && <p className="timeline-body">{e.activity.body}</p>}
                  <p className="timeline-meta"><time dateTime={e.at} title={e.at}>{relativeTime(e.at)}</time> · {String(e.activity.type)}</p>
                </div>
              </li>
            ) : (
              <ChangeItem key={`c-${e.change.id}-${e.change.field}`} meta={meta} change={e.change} />
            ),
          )}
        </ol>
      )}
    </section>
  );
}

function ChangeItem({ meta, change }: { meta: ObjectMeta; change: HistoryEntry }) {
  const field = meta.fields.find((f) => f.name === change.field);
  const who = useTitle("users", change.changed_by);
  if (!field) return null;
  const show = (v: FieldValue) => (field.type === "lookup" ? (v ? "another record" : "empty") : valueText(field, v) || "empty");
  return (
    <li className="timeline-item change">
      <span className="timeline-icon" aria-hidden="true">↻</span>
      <div>
        <p className="timeline-title">
          {field.label}: <s>{show(change.old)}</s> → <strong>{show(change.new)}</strong>
        </p>
        <p className="timeline-meta"><time dateTime={change.changed_at} title={change.changed_at}>{relativeTime(change.changed_at)}</time>{who ? ` · ${who}` : ""}</p>
      </div>
    </li>
  );
}
