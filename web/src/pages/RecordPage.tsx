// A record: its fields in sections, edited in place; the records related to it; the
// timeline of activities and field changes, with quick-add; favourites and recent.
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, api, query } from "../api/client";
import type { FieldMeta, FieldValue, ListPage, ObjectMeta, RecordData } from "../api/types";
import { businessFields, sectionsOf, useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { FieldRow } from "../components/FieldRow";
import { Timeline } from "../components/Timeline";
import { useToast } from "../components/toast";
import { Breadcrumbs, ErrorBanner, Pending } from "../components/ui";
import { FieldDisplay } from "../fields/registry";
import { may } from "../lib/permissions";
import { rememberRecent, useStored, type RecentRecord } from "../lib/storage";
import { recordTitle, titleFields, titles } from "../lib/titles";
import { NotFound } from "./NotFound";

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-");

export function RecordPage() {
  const { object: objectName = "", id = "" } = useParams();
  const { object } = useMetadata();
  const meta = object(objectName);
  if (!meta) return <NotFound what="record" />;
  return <RecordView key={`${meta.name}/${id}`} meta={meta} id={id} />;
}

function RecordView({ meta, id }: { meta: ObjectMeta; id: string }) {
  const me = useSignedIn();
  const toast = useToast();
  const navigate = useNavigate();
  const [record, setRecord] = useState<RecordData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState(false);
  const [favourites, setFavourites] = useStored<RecentRecord[]>(`rapport:${me.user_id}:favourites`, []);

  const load = useCallback(async () => {
    try {
      const r = await api.get<RecordData>(`/objects/${meta.name}/${id}`);
      setRecord(r);
      setError(null);
      titles.remember(meta.name, r);
      rememberRecent(me.user_id, { object: meta.name, id, title: recordTitle(meta, r) });
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) }));
    }
  }, [meta, id, me.user_id]);
  useEffect(() => void load(), [load]);

  if (error?.status === 404) return <NotFound what="record" />;
  if (error && !record) return <ErrorBanner error={error.message} onRetry={() => void load()} />;
  if (!record) return <Pending />;

  const title = recordTitle(meta, record);
  const favourite = favourites.some((f) => f.object === meta.name && f.id === id);

  const save = async (changes: Record<string, FieldValue>) => {
    try {
      const saved = await api.patch<RecordData>(`/objects/${meta.name}/${id}`, changes, record.version);
      setRecord(saved);
      setConflict(false);
      titles.remember(meta.name, saved);
      toast("Saved.");
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setConflict(true);
        await load();
      }
      throw e;
    }
  };

  const remove = async () => {
    if (!window.confirm(`Move “${title}” to the recycle bin?`)) return;
    await api.delete(`/objects/${meta.name}/${id}`);
    toast(`“${title}” deleted.`, {
      action: { label: "Undo", run: () => void api.post(`/objects/${meta.name}/${id}/restore`).then(() => navigate(`/o/${meta.name}/${id}`)) },
    });
    navigate(`/o/${meta.name}`);
  };

  return (
    <div className="page record-page">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: meta.label_plural, to: `/o/${meta.name}` }, { label: title }]} />
      <div className="page-head">
        <div>
          <p className="eyebrow">{meta.label}</p>
          <h1>{title}</h1>
        </div>
        <span className="spacer" />
        <button
          className={favourite ? "button active" : "button"}
          aria-pressed={favourite}
          onClick={() =>
            setFavourites(favourite ? favourites.filter((f) => !(f.object === meta.name && f.id === id)) : [{ object: meta.name, id, title }, ...favourites].slice(0, 20))
          }
        >
          {favourite ? "★ Favourite" : "☆ Favourite"}
        </button>
        {may(meta, "delete") && <button className="button danger" onClick={() => void remove()}>Delete</button>}
      </div>
      {conflict && (
        <div className="banner warning" role="alert">
          Someone else changed this record while you were editing. It now shows their version; make your change again if it is still needed.
        </div>
      )}
      <div className="record-layout">
        <div className="record-main">
          <Highlights meta={meta} record={record} />
          {sectionsOf(meta).map((section) => (
            <section className="panel" key={section.title} aria-labelledby={`section-${slug(section.title)}`}>
              <h2 id={`section-${slug(section.title)}`}>{section.title}</h2>
              <dl className="fields">
                {section.fields.map((f) => <FieldRow key={f.name} field={f} record={record} save={save} />)}
              </dl>
            </section>
          ))}
          <RelatedLists meta={meta} record={record} />
        </div>
        <aside className="record-side">
          <Timeline meta={meta} record={record} />
        </aside>
      </div>
    </div>
  );
}

// The few values that say most about a record, above the sections.
function Highlights({ meta, record }: { meta: ObjectMeta; record: RecordData }) {
  const title = titleFields(meta);
  const picks = businessFields(meta)
    .filter((f) => !title.includes(f.name) && ["picklist", "currency", "date", "lookup"].includes(f.type) && record[f.name] !== null && f.name !== "owner_id")
    .slice(0, 4);
  if (picks.length === 0) return null;
  return (
    <dl className="highlights">
      {picks.map((f) => (
        <div key={f.name}>
          <dt>{f.label}</dt>
          <dd><FieldDisplay field={f} value={record[f.name] as FieldValue} /></dd>
        </div>
      ))}
    </dl>
  );
}

interface Relation {
  object: ObjectMeta;
  field: FieldMeta;
}

// Every object with a lookup to this one has a related list (people of a company, deals
// of a company...), custom objects included.
function RelatedLists({ meta, record }: { meta: ObjectMeta; record: RecordData }) {
  const { objects } = useMetadata();
  const relations: Relation[] = [];
  for (const o of objects) {
    for (const f of o.fields) {
      if (f.type === "lookup" && f.target === meta.name && !["created_by", "owner_id", "manager_id"].includes(f.name)) {
        relations.push({ object: o, field: f });
      }
    }
  }
  if (relations.length === 0) return null;
  return (
    <>
      {relations.map((r) => <RelatedList key={`${r.object.name}.${r.field.name}`} relation={r} record={record} />)}
    </>
  );
}

function RelatedList({ relation, record }: { relation: Relation; record: RecordData }) {
  const [page, setPage] = useState<ListPage | null>(null);
  const { object: related, field } = relation;
  const filter = `${field.name} = "${record.id}"`;
  const columns = businessFields(related).filter((f) => !titleFields(related).includes(f.name) && f.name !== field.name && ["picklist", "currency", "date", "email", "phone"].includes(f.type)).slice(0, 2);
  useEffect(() => {
    api.get<ListPage>(`/objects/${related.name}${query({ filter, limit: 5, count: true, sort: "-created_at" })}`).then(setPage, () => setPage({ data: [], next_cursor: null, total: 0 }));
  }, [related.name, filter]);
  const heading = `${related.label_plural}${relation.object.fields.filter((f) => f.target === field.target).length > 1 ? ` (${field.label})` : ""}`;
  return (
    <section className="panel related" aria-label={heading}>
      <div className="panel-head">
        <h2>{heading} {page?.total !== undefined && <span className="count">{page.total}</span>}</h2>
        <span className="spacer" />
        <Link className="button small" to={`/o/${related.name}/new?${field.name}=${record.id}`}>Add</Link>
      </div>
      {!page ? (
        <Pending inline />
      ) : page.data.length === 0 ? (
        <p className="muted">No {related.label_plural.toLowerCase()} yet.</p>
      ) : (
        <ul className="related-list">
          {page.data.map((r) => (
            <li key={r.id}>
              <Link to={`/o/${related.name}/${r.id}`}>{recordTitle(related, r)}</Link>
              {columns.map((c) => <span key={c.name} className="related-meta"><FieldDisplay field={c} value={r[c.name] as FieldValue} compact /></span>)}
            </li>
          ))}
        </ul>
      )}
      {page && (page.total ?? 0) > page.data.length && (
        <Link className="link-button" to={`/o/${related.name}?filter=${encodeURIComponent(filter)}`}>View all {page.total}</Link>
      )}
    </section>
  );
}
