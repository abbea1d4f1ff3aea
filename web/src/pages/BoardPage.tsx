// A kanban board of any object by one of its picklists (?field=; opportunities by
// stage by default). Dragging a card, or Alt+←/→ on a focused card, changes the value
// with a conditional save; the card moves at once and goes back if the save fails.
import { useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError, api, query } from "../api/client";
import type { FieldMeta, FieldValue, ListPage, ObjectMeta, RecordData } from "../api/types";
import { useMetadata } from "../app/metadata";
import { useToast } from "../components/toast";
import { Breadcrumbs, EmptyState, ErrorBanner, Pending } from "../components/ui";
import { formatMoney, isMoney } from "../fields/format";
import { FieldDisplay } from "../fields/registry";
import { recordTitle, titleFields } from "../lib/titles";
import { NotFound } from "./NotFound";

const PER_COLUMN = 500;

interface Column {
  value: string | null;
  label: string;
  records: RecordData[];
  total: number;
}

// A column's totals from the server's aggregate: every record, not only the cards loaded.
interface Totals {
  count: number;
  sums: { amount: string; currency: string }[];
}

interface AggregateRow {
  keys: Record<string, string | null>;
  currency?: string;
  values: Record<string, FieldValue>;
}

// One request for every column's count and per-currency sums.
async function loadTotals(meta: ObjectMeta, field: FieldMeta, amount: FieldMeta | undefined, filter: string): Promise<Map<string | null, Totals>> {
  const measures = amount ? `count,sum:${amount.name}` : "count";
  const answer = await api.get<{ data: AggregateRow[] }>(`/objects/${meta.name}/aggregate${query({ filter, group_by: field.name, measures })}`);
  const totals = new Map<string | null, Totals>();
  for (const row of answer.data) {
    const key = row.keys[field.name] ?? null;
    const entry = totals.get(key) ?? { count: 0, sums: [] };
    entry.count += Number(row.values.count ?? 0);
    const sum = amount ? row.values[`sum:${amount.name}`] : null;
    if (isMoney(sum)) entry.sums.push(sum);
    totals.set(key, entry);
  }
  return totals;
}

export default function BoardPage() {
  const { object: objectName = "" } = useParams();
  const { object } = useMetadata();
  const meta = object(objectName);
  if (!meta) return <NotFound what="board" />;
  const picklists = meta.fields.filter((f) => f.type === "picklist" && !f.read_only);
  if (picklists.length === 0) {
    return <EmptyState title="No board for this object">A board groups records by a picklist field, and {meta.label_plural.toLowerCase()} have none.</EmptyState>;
  }
  return <Board meta={meta} picklists={picklists} />;
}

function Board({ meta, picklists }: { meta: ObjectMeta; picklists: FieldMeta[] }) {
  const [params, setParams] = useSearchParams();
  const toast = useToast();
  const field = picklists.find((f) => f.name === params.get("field")) ?? picklists.find((f) => f.name === "stage") ?? picklists[0];
  const filter = params.get("filter") ?? "";
  const amountField = meta.fields.find((f) => f.type === "currency");
  const details = meta.fields.filter((f) => ["currency", "date"].includes(f.type) || (f.type === "lookup" && f.name !== "owner_id" && f.name !== "created_by")).slice(0, 3);
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [dragOver, setDragOver] = useState<string | null>(null);
  const fields = useMemo(() => [...new Set([field.name, ...titleFields(meta), ...details.map((d) => d.name)])].join(","), [field, meta, details]);
  const [totals, setTotals] = useState<Map<string | null, Totals> | null>(null);
  // Only the latest request's answer is used: moves in quick succession, or a change of
  // field or filter, must not be overwritten by an older answer arriving late.
  const totalsRequest = useRef(0);
  const refreshTotals = async () => {
    const ticket = ++totalsRequest.current;
    try {
      const fresh = await loadTotals(meta, field, amountField, filter);
      if (ticket !== totalsRequest.current) return;
      setTotals(fresh);
      setColumns((cols) => cols && cols.map((c) => ({ ...c, total: fresh.get(c.value)?.count ?? c.total })));
    } catch {
      if (ticket === totalsRequest.current) setTotals(null);
    }
  };

  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    const values: (string | null)[] = [...(field.options ?? []).map((o) => o.value), null];
    const ticket = ++totalsRequest.current;
    const counted = loadTotals(meta, field, amountField, filter);
    void Promise.all([
      counted,
      ...values.map(async (value) => {
        const combined = columnFilter(field.name, value, filter);
        const page = await api.get<ListPage>(`/objects/${meta.name}${query({ filter: combined, limit: PER_COLUMN, sort: "-updated_at", fields })}`);
        return { value, label: value === null ? "No value" : field.options!.find((o) => o.value === value)!.label, records: page.data, total: page.data.length };
      }),
    ]).then(
      ([counts, ...cols]) => {
        if (cancelled) return;
        const byValue = counts as Map<string | null, Totals>;
        if (ticket === totalsRequest.current) setTotals(byValue);
        const withTotals = (cols as Column[]).map((c) => ({ ...c, total: byValue.get(c.value)?.count ?? c.records.length }));
        setColumns(withTotals.filter((c) => c.value !== null || c.total > 0));
      },
      (e) => { if (!cancelled) setLoadError((e as Error).message); },
    );
    return () => { cancelled = true; };
  }, [meta.name, field, filter, fields]);

  // The card moved from the keyboard keeps the focus in its new column.
  useEffect(() => {
    if (focusId) document.querySelector<HTMLElement>(`[data-card="${focusId}"]`)?.focus();
  }, [focusId, columns]);

  const move = async (record: RecordData, to: string | null) => {
    if (!columns) return;
    const from = columns.find((c) => c.records.some((r) => r.id === record.id));
    if (!from || from.value === to) return;
    const target = columns.find((c) => c.value === to);
    if (!target) return;
    const moved = { ...record, [field.name]: to };
    const apply = (cols: Column[], r: RecordData, src: string | null, dst: string | null) =>
      cols.map((c) =>
        c.value === src ? { ...c, records: c.records.filter((x) => x.id !== r.id), total: c.total - 1 }
          : c.value === dst ? { ...c, records: [r, ...c.records], total: c.total + 1 } : c,
      );
    setColumns((cols) => cols && apply(cols, moved, from.value, to));
    setAnnouncement(`${recordTitle(meta, record)} moved to ${target.label}.`);
    try {
      const saved = await api.patch<RecordData>(`/objects/${meta.name}/${record.id}`, { [field.name]: to }, record.version);
      setColumns((cols) => cols && cols.map((c) => ({ ...c, records: c.records.map((x) => (x.id === saved.id ? { ...x, ...saved } : x)) })));
      void refreshTotals();
    } catch (e) {
      setColumns((cols) => cols && apply(cols, record, to, from.value));
      const reason = e instanceof ApiError && e.status === 412 ? "someone else changed it first; reload to see their version" : (e as Error).message;
      toast(`${recordTitle(meta, record)} stayed in ${from.label}: ${reason}`, { tone: "error" });
      setAnnouncement(`${recordTitle(meta, record)} could not be moved.`);
    }
  };

  const onDrop = (e: DragEvent, to: string | null) => {
    e.preventDefault();
    setDragOver(null);
    const id = e.dataTransfer.getData("text/x-rapport-id");
    const record = columns?.flatMap((c) => c.records).find((r) => r.id === id);
    if (record) void move(record, to);
  };

  return (
    <div className="page board-page">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: meta.label_plural, to: `/o/${meta.name}` }, { label: "Board" }]} />
      <div className="page-head">
        <h1>{meta.label_plural} by {field.label.toLowerCase()}</h1>
        <span className="spacer" />
        {picklists.length > 1 && (
          <label className="inline-label">
            Group by
            <select className="input" value={field.name} onChange={(e) => setParams({ field: e.target.value })}>
              {picklists.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
            </select>
          </label>
        )}
        <Link className="button" to={`/o/${meta.name}${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`}>List</Link>
      </div>
      <p className="sr-only" aria-live="assertive">{announcement}</p>
      <p className="hint">Drag cards between columns, or focus a card and press Alt+← / Alt+→.</p>
      {loadError ? (
        <ErrorBanner error={loadError} />
      ) : !columns ? (
        <Pending />
      ) : (
        <div className="board">
          {columns.map((column, ci) => (
            <section
              key={column.value ?? "none"}
              className={dragOver === (column.value ?? "") ? "board-column drag-over" : "board-column"}
              aria-label={`${column.label}: ${column.total}`}
              onDragOver={(e) => { e.preventDefault(); setDragOver(column.value ?? ""); }}
              onDragLeave={() => setDragOver(null)}
              onDrop={(e) => onDrop(e, column.value)}
              data-column={column.value ?? ""}
            >
              <header className="board-column-head">
                <h2>{column.label}</h2>
                <span className="count">{column.total}</span>
                {amountField && <ColumnTotal sums={totals?.get(column.value)?.sums ?? null} />}
              </header>
              <ul className="board-cards">
                {column.records.map((r) => (
                  <li
                    key={r.id}
                    className="board-card"
                    draggable
                    tabIndex={0}
                    data-card={r.id}
                    aria-roledescription="Draggable card"
                    onDragStart={(e) => { e.dataTransfer.setData("text/x-rapport-id", r.id); e.dataTransfer.effectAllowed = "move"; }}
                    onKeyDown={(e) => {
                      if (!e.altKey) return;
                      const next = e.key === "ArrowRight" ? columns[ci + 1] : e.key === "ArrowLeft" ? columns[ci - 1] : undefined;
                      if (next) { e.preventDefault(); setFocusId(r.id); void move(r, next.value); }
                    }}
                  >
                    <Link to={`/o/${meta.name}/${r.id}`} draggable={false}>{recordTitle(meta, r)}</Link>
                    {details.map((d) => r[d.name] !== null && r[d.name] !== undefined && (
                      <div key={d.name} className="card-detail"><FieldDisplay field={d} value={r[d.name] as FieldValue} compact plain /></div>
                    ))}
                  </li>
                ))}
                {column.total > column.records.length && (
                  <li className="muted small">and {column.total - column.records.length} more: <Link to={`/o/${meta.name}?filter=${encodeURIComponent(columnFilter(field.name, column.value, filter))}`}>see the list</Link></li>
                )}
              </ul>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}

// The records of one column: its value (or none), within the board's own filter.
function columnFilter(field: string, value: string | null, filter: string): string {
  const condition = value === null ? `${field} is null` : `${field} = ${JSON.stringify(value)}`;
  return filter ? `(${filter}) and ${condition}` : condition;
}

// The column's sums per currency (never adding euros to dollars), over all its records.
function ColumnTotal({ sums }: { sums: { amount: string; currency: string }[] | null }) {
  if (!sums || sums.length === 0) return null;
  return (
    <span className="column-total" data-sums={sums.map((m) => `${m.currency}:${m.amount}`).join(" ")} title={sums.map((m) => formatMoney(m)).join(" · ")}>
      {sums.map((money) => formatMoney(money, true)).join(" · ")}
    </span>
  );
}
