// A list view of any object, drawn from its metadata. The URL holds the state
// (?filter=&sort=&cols=&view=), rows stream in by cursor as you scroll and only the
// visible ones are in the DOM, so a million records scroll like fifty.
import { elementScroll, useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError, api } from "../api/client";
import type { FieldMeta, FieldValue, ObjectMeta, RecordData } from "../api/types";
import { businessFields, useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { ColumnChooser } from "../components/ColumnChooser";
import { SavedViews } from "../components/SavedViews";
import { useToast } from "../components/toast";
import { Breadcrumbs, EmptyState, ErrorBanner, Modal, Pending } from "../components/ui";
import { toApiValue, validate } from "../fields/format";
import { FieldDisplay, FieldInput, toInputValue } from "../fields/registry";
import { useInlineEdit } from "../fields/useInlineEdit";
import { FilterBuilder } from "../filter/FilterBuilder";
import { useMediaQuery } from "../lib/media";
import { may } from "../lib/permissions";
import { bulkDelete, bulkUpdate, download, exportCsv, saveRecord } from "../lib/records";
import { useStored } from "../lib/storage";
import { recordTitle, titleFields, titles } from "../lib/titles";
import { columnsKey, fetchedFields, listColumns } from "../lib/listQuery";
import { useList } from "../lib/useList";
import { NotFound } from "./NotFound";

const ROW_HEIGHT = 44;
const CARD_HEIGHT = 112;

// The virtualizer's defaults read the scroller's size and write its scroll offset as it
// mounts, and each forces the page's first style and layout in the middle of the render
// (60-100 ms on a cold load, before any row is in the DOM). Instead the first render
// sizes the scroller from the window by the same rule as styles.css (.grid-wrap is
// 100vh - 250px, at least 320px, inside a 1px border; .card-list is 100vh - 230px), the
// real size arrives from a ResizeObserver once the browser lays the page out anyway (if
// it differs, the rows shown are adjusted before the first paint), and a scroller known
// to be at the top is not scrolled to the top (what the virtualizer does as it mounts).
type Scroller = Virtualizer<HTMLDivElement, Element>;
function scrollerOptions(height: (viewport: number) => number) {
  return {
    initialRect: typeof window === "undefined" ? undefined : { width: window.innerWidth, height: height(window.innerHeight) },
    observeElementRect: (instance: Scroller, onRect: (rect: { width: number; height: number }) => void) => {
      const element = instance.scrollElement;
      if (!element || typeof ResizeObserver === "undefined") return;
      const observer = new ResizeObserver(() => onRect({ width: element.clientWidth, height: element.clientHeight }));
      observer.observe(element);
      return () => observer.disconnect();
    },
    scrollToFn: (offset: number, options: { adjustments?: number; behavior?: ScrollBehavior }, instance: Scroller) => {
      if (offset + (options.adjustments ?? 0) === 0 && !instance.scrollOffset) return;
      elementScroll(offset, options, instance);
    },
  };
}
const gridScroller = scrollerOptions((viewport) => Math.max(viewport - 250, 320) - 2);
const cardScroller = scrollerOptions((viewport) => Math.max(viewport - 230, 0));

export function ListPage() {
  const { object: objectName = "" } = useParams();
  const { object } = useMetadata();
  const meta = object(objectName);
  if (!meta) return <NotFound what="list" />;
  return <ObjectList key={meta.name} meta={meta} />;
}

function ObjectList({ meta }: { meta: ObjectMeta }) {
  const me = useSignedIn();
  const toast = useToast();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [storedColumns, setStoredColumns] = useStored<string[] | null>(columnsKey(me.user_id, meta.name), null);
  const filter = params.get("filter") ?? "";
  const sort = params.get("sort") ?? "";
  const fieldsByName = useMemo(() => new Map(meta.fields.map((f) => [f.name, f])), [meta]);
  const columnNames = listColumns(meta, params.get("cols"), storedColumns);
  const columns = columnNames.map((n) => fieldsByName.get(n)!);
  const fetched = useMemo(() => fetchedFields(meta, columnNames), [columnNames.join(","), meta]); // eslint-disable-line react-hooks/exhaustive-deps
  const list = useList(meta.name, filter, sort, fetched);
  const [showFilter, setShowFilter] = useState(false);
  const [showColumns, setShowColumns] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkEdit, setBulkEdit] = useState(false);
  const [exporting, setExporting] = useState<number | null>(null);
  const phone = useMediaQuery("(max-width: 640px)");
  const boardField = meta.fields.find((f) => f.type === "picklist" && !f.read_only);

  useEffect(() => setSelected(new Set()), [filter, sort]);
  useEffect(() => {
    for (const r of list.rows) titles.remember(meta.name, r);
  }, [list.rows, meta.name]);

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("view");
    setParams(next, { replace: key !== "filter" });
  };

  const toggleSort = (field: FieldMeta) => {
    if (!field.sortable) return;
    const next = sort === field.name ? `-${field.name}` : sort === `-${field.name}` ? "" : field.name;
    setParam("sort", next);
  };

  const filterError = list.error && list.error.status === 400 ? list.error.message : null;

  const runBulkDelete = async () => {
    const ids = [...selected];
    if (!window.confirm(`Move ${ids.length} ${ids.length === 1 ? meta.label.toLowerCase() : meta.label_plural.toLowerCase()} to the recycle bin?`)) return;
    const { deleted, failed } = await bulkDelete(meta.name, ids);
    list.remove(deleted);
    setSelected(new Set());
    toast(`${deleted.length} deleted${failed ? `, ${failed} could not be` : ""}.`, { tone: failed ? "error" : "info" });
  };

  const runExport = async () => {
    setExporting(0);
    try {
      const blob = await exportCsv(meta.name, columnNames, filter, sort, setExporting);
      download(blob, `${meta.name}-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (e) {
      toast(`Export failed: ${(e as Error).message}`, { tone: "error" });
    } finally {
      setExporting(null);
    }
  };

  return (
    <div className="page list-page">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: meta.label_plural }]} />
      <div className="page-head">
        <h1>{meta.label_plural}</h1>
        <span className="count" aria-live="polite">{list.total !== null ? `${list.total.toLocaleString()} ${list.total === 1 ? "record" : "records"}` : ""}</span>
        <span className="spacer" />
        {may(meta, "create") && <Link className="button primary" to={`/o/${meta.name}/new`}>New {meta.label.toLowerCase()}</Link>}
      </div>
      <div className="toolbar" role="toolbar" aria-label="List tools">
        <SavedViews object={meta.name} current={{ filter, sort, columns: columnNames }} />
        <button className={filter ? "button active" : "button"} aria-expanded={showFilter} onClick={() => setShowFilter(!showFilter)}>
          Filter{filter ? " ·" : ""}
        </button>
        <button className="button" onClick={() => setShowColumns(true)}>Columns</button>
        {boardField && <Link className="button" to={`/o/${meta.name}/board`}>Board</Link>}
        {may(meta, "export") && (
          <button className="button" onClick={() => void runExport()} disabled={exporting !== null}>
            {exporting !== null ? `Exporting ${exporting.toLocaleString()}…` : "Export CSV"}
          </button>
        )}
      </div>
      {filter && (
        <p className="filter-summary">
          <code>{filter}</code>
          <button className="link-button" onClick={() => setParam("filter", "")}>Clear filter</button>
        </p>
      )}
      {showFilter && (
        <FilterBuilder key={filter} fields={meta.fields} value={filter} error={filterError} onApply={(f) => setParam("filter", f)} onClose={() => setShowFilter(false)} />
      )}
      {selected.size > 0 && (
        <div className="bulk-bar" role="region" aria-label="Selection">
          <span>{selected.size} selected</span>
          <button className="button small" onClick={() => setBulkEdit(true)}>Edit field…</button>
          {may(meta, "delete") && <button className="button small danger" onClick={() => void runBulkDelete()}>Delete</button>}
          <button className="link-button" onClick={() => setSelected(new Set())}>Clear selection</button>
        </div>
      )}
      {list.error && (!filterError || !showFilter) && <ErrorBanner error={list.error.message} onRetry={filterError ? undefined : list.reload} />}
      {!list.loading && !list.error && list.rows.length === 0 ? (
        filter ? (
          <EmptyState title="No records match this filter" action={<button className="button" onClick={() => setParam("filter", "")}>Clear the filter</button>}>
            Try fewer conditions, or “contains” instead of “is”.
          </EmptyState>
        ) : (
          <EmptyState title={`No ${meta.label_plural.toLowerCase()} yet`} action={<Link className="button primary" to={`/o/${meta.name}/new`}>Create the first {meta.label.toLowerCase()}</Link>}>
            {meta.label_plural} you create, import or receive through the API appear here.
          </EmptyState>
        )
      ) : phone ? (
        <CardList meta={meta} columns={columns} list={list} />
      ) : (
        <Grid
          meta={meta}
          columns={columns}
          list={list}
          sort={sort}
          onSort={toggleSort}
          selected={selected}
          onSelect={setSelected}
          onOpen={(r) => navigate(`/o/${meta.name}/${r.id}`)}
          onSaved={(r) => list.replace(r)}
        />
      )}
      {showColumns && (
        <ColumnChooser
          fields={businessFields(meta)}
          chosen={columnNames}
          onClose={() => setShowColumns(false)}
          onReset={() => { setStoredColumns(null); setParam("cols", ""); setShowColumns(false); }}
          onChange={(names) => {
            setStoredColumns(names);
            setParam("cols", names.join(","));
          }}
        />
      )}
      {bulkEdit && (
        <BulkEdit
          meta={meta}
          ids={[...selected]}
          onClose={() => setBulkEdit(false)}
          onDone={(records, failures) => {
            records.forEach(list.replace);
            setBulkEdit(false);
            setSelected(new Set());
            toast(`${records.length} updated${failures ? `, ${failures} refused` : ""}.`, { tone: failures ? "error" : "info" });
          }}
        />
      )}
    </div>
  );
}

interface GridProps {
  meta: ObjectMeta;
  columns: FieldMeta[];
  list: ReturnType<typeof useList>;
  sort: string;
  onSort: (f: FieldMeta) => void;
  selected: Set<string>;
  onSelect: (s: Set<string>) => void;
  onOpen: (r: RecordData) => void;
  onSaved: (r: RecordData) => void;
}

function Grid({ meta, columns, list, sort, onSort, selected, onSelect, onOpen, onSaved }: GridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = list.rows.length + (list.hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12, ...gridScroller });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= list.rows.length - 20) list.loadMore();
  }, [last?.index, list.rows.length, list]); // eslint-disable-line react-hooks/exhaustive-deps

  // Header and rows share one width (at least the columns' minimums), so fr units
  // resolve alike in every row and the columns line up.
  const minimums = columns.map((c, i) => (i === 0 ? 220 : c.type === "boolean" ? 90 : c.type === "long_text" ? 220 : 150));
  const template = `44px ${minimums.map((m, i) => `minmax(${m}px, ${i === 0 ? 2 : 1}fr)`).join(" ")}`;
  const width = `max(100%, ${44 + minimums.reduce((a, b) => a + b, 0)}px)`;
  const allSelected = list.rows.length > 0 && list.rows.every((r) => selected.has(r.id));
  return (
    <div className="grid-wrap" ref={scroller} role="table" aria-label={meta.label_plural} aria-rowcount={list.total ?? -1} aria-busy={list.loading}>
      <span id="edit-hint" hidden>Press Enter to edit</span>
      <div className="grid-row grid-head" role="row" style={{ gridTemplateColumns: template, width }}>
        <div role="columnheader" className="grid-cell check-cell">
          <input
            type="checkbox"
            aria-label="Select all loaded rows"
            checked={allSelected}
            onChange={(e) => onSelect(e.target.checked ? new Set(list.rows.map((r) => r.id)) : new Set())}
          />
        </div>
        {columns.map((c) => {
          const direction = sort === c.name ? "ascending" : sort === `-${c.name}` ? "descending" : "none";
          return (
            <div role="columnheader" className="grid-cell" key={c.name} aria-sort={direction}>
              {c.sortable ? (
                <button className="sort-button" onClick={() => onSort(c)}>
                  {c.label}
                  <span aria-hidden="true" className="sort-mark">{direction === "ascending" ? "↑" : direction === "descending" ? "↓" : ""}</span>
                </button>
              ) : (
                c.label
              )}
            </div>
          );
        })}
      </div>
      <div className="grid-body" style={{ height: virtualizer.getTotalSize(), width }}>
        {items.map((item) => {
          const record = list.rows[item.index];
          if (!record) {
            return (
              <div key="more" className="grid-row loading-row" role="row" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
                <div role="cell"><Pending inline label="Loading more" /></div>
              </div>
            );
          }
          return (
            <div
              key={record.id}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={selected.has(record.id)}
              className={selected.has(record.id) ? "grid-row selected" : "grid-row"}
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
            >
              <div role="cell" className="grid-cell check-cell">
                <input
                  type="checkbox"
                  aria-label={`Select ${recordTitle(meta, record)}`}
                  checked={selected.has(record.id)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.target.checked) next.add(record.id);
                    else next.delete(record.id);
                    onSelect(next);
                  }}
                />
              </div>
              {columns.map((c, i) =>
                i === 0 ? (
                  <div role="cell" className="grid-cell title-cell" key={c.name}>
                    <Link to={`/o/${meta.name}/${record.id}`}>{recordTitle(meta, record)}</Link>
                  </div>
                ) : (
                  <EditableCell key={c.name} meta={meta} field={c} record={record} onSaved={onSaved} onOpen={() => onOpen(record)} />
                ),
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

// A cell that edits in place (double-click, or Enter when focused): the new value shows
// at once and is saved with If-Match; a conflict or a refusal puts the old value back.
function EditableCell({ meta, field, record, onSaved }: { meta: ObjectMeta; field: FieldMeta; record: RecordData; onSaved: (r: RecordData) => void; onOpen: () => void }) {
  const toast = useToast();
  const [optimistic, setOptimistic] = useState<{ value: FieldValue } | null>(null);
  const value = optimistic ? optimistic.value : (record[field.name] as FieldValue);
  const editable = !field.read_only;
  const cell = useRef<HTMLDivElement>(null);
  const edit = useInlineEdit(field, record[field.name] as FieldValue, cell);
  const { editing, draft, setDraft, error, start } = edit;

  // Optimistic: the cell shows the new value at once and goes back if the save fails.
  const commit = async (next: FieldValue) => {
    const apiValue = edit.checked(next);
    if (apiValue === undefined) return;
    edit.stop();
    if (JSON.stringify(apiValue) === JSON.stringify(toApiValue(field, toInputValue(field, record[field.name] as FieldValue)))) return;
    setOptimistic({ value: apiValue });
    try {
      const saved = await saveRecord(meta.name, record, { [field.name]: apiValue });
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        toast(`${recordTitle(meta, record)} was changed by someone else, so your edit was not saved. The row now shows their version.`, { tone: "error" });
        api.get<RecordData>(`/objects/${meta.name}/${record.id}`).then(onSaved, () => undefined);
      } else {
        edit.failed(e);
        edit.reopen(next);
      }
    } finally {
      setOptimistic(null);
    }
  };

  if (editing) {
    const id = `cell-${record.id}-${field.name}`;
    return (
      <div
        role="cell"
        className="grid-cell editing"
        onKeyDown={(e) => {
          if (e.key === "Escape") { e.stopPropagation(); edit.stop(); }
          if (e.key === "Enter" && field.type !== "long_text") { e.preventDefault(); void commit(draft); }
        }}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null) && !(e.relatedTarget as HTMLElement | null)?.closest?.(".menu")) void commit(draft);
        }}
      >
        <FieldInput field={field} value={draft} onChange={setDraft} id={id} autoFocus invalid={!!error} describedBy={error ? `${id}-error` : undefined} />
        {error && <div className="cell-error" id={`${id}-error`} role="alert">{error}</div>}
      </div>
    );
  }
  return (
    <div
      ref={cell}
      role="cell"
      className={editable ? "grid-cell editable" : "grid-cell"}
      tabIndex={editable ? 0 : undefined}
      aria-describedby={editable ? "edit-hint" : undefined}
      data-field={field.name}
      onDoubleClick={start}
      onKeyDown={(e) => { if (e.key === "Enter" || e.key === "F2") { e.preventDefault(); start(); } }}
    >
      <FieldDisplay field={field} value={value} compact />
    </div>
  );
}

function CardList({ meta, columns, list }: { meta: ObjectMeta; columns: FieldMeta[]; list: ReturnType<typeof useList> }) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = list.rows.length + (list.hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => CARD_HEIGHT, overscan: 6, ...cardScroller });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= list.rows.length - 10) list.loadMore();
  }, [last?.index, list.rows.length]); // eslint-disable-line react-hooks/exhaustive-deps
  const title = titleFields(meta);
  const details = columns.filter((c) => !title.includes(c.name)).slice(0, 3);
  return (
    <div className="card-list" ref={scroller}>
      <ul style={{ height: virtualizer.getTotalSize() }} aria-label={meta.label_plural} aria-busy={list.loading}>
        {items.map((item) => {
          const record = list.rows[item.index];
          return (
            <li key={record?.id ?? "more"} style={{ transform: `translateY(${item.start}px)`, height: CARD_HEIGHT - 8 }} className="record-card">
              {record ? (
                <Link to={`/o/${meta.name}/${record.id}`}>
                  <strong>{recordTitle(meta, record)}</strong>
                  <dl>
                    {details.map((c) => (
                      <div key={c.name}>
                        <dt>{c.label}</dt>
                        <dd><FieldDisplay field={c} value={record[c.name] as FieldValue} compact plain /></dd>
                      </div>
                    ))}
                  </dl>
                </Link>
              ) : (
                <Pending inline label="Loading more" />
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function BulkEdit({ meta, ids, onClose, onDone }: { meta: ObjectMeta; ids: string[]; onClose: () => void; onDone: (records: RecordData[], failures: number) => void }) {
  const fields = businessFields(meta).filter((f) => !f.read_only && !f.unique);
  const [name, setName] = useState(fields[0]?.name ?? "");
  const field = fields.find((f) => f.name === name);
  const [value, setValue] = useState<FieldValue>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!field) return;
    const problem = validate(field, value);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      const results = await bulkUpdate(meta.name, ids, { [field.name]: toApiValue(field, value) });
      const records = results.filter((r) => r.record).map((r) => r.record!);
      onDone(records, results.length - records.length);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Edit ${ids.length} ${meta.label_plural.toLowerCase()}`} onClose={onClose}>
      <div className="form-row">
        <label htmlFor="bulk-field">Field</label>
        <select id="bulk-field" className="input" value={name} onChange={(e) => { setName(e.target.value); setValue(null); setError(null); }}>
          {fields.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
        </select>
      </div>
      {field && (
        <div className="form-row">
          <label htmlFor="bulk-value">New value</label>
          <FieldInput field={field} value={value} onChange={setValue} id="bulk-value" invalid={!!error} describedBy="bulk-value-error" />
          {error && <p className="field-error" id="bulk-value-error" role="alert">{error}</p>}
        </div>
      )}
      <div className="form-actions">
        <button className="button" onClick={onClose}>Cancel</button>
        <button className="button primary" disabled={busy} onClick={() => void run()}>{busy ? "Saving…" : `Update ${ids.length}`}</button>
      </div>
    </Modal>
  );
}
