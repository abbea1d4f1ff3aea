// Record operations the pages share: conditional saves (If-Match, so two people never
// silently overwrite each other), bulk changes through the batch API, CSV export.
import { api, query } from "../api/client";
import type { FieldMeta, FieldValue, ListPage, ObjectMeta, RecordData } from "../api/types";
import { isMoney } from "../fields/format";
import { titles } from "./titles";

export function saveRecord(object: string, record: RecordData, changes: Record<string, FieldValue>): Promise<RecordData> {
  return api.patch<RecordData>(`/objects/${object}/${record.id}`, changes, record.version);
}

export interface BatchResult {
  index: number;
  status: number;
  record?: RecordData;
  error?: { detail?: string; errors?: { field: string; message: string }[] };
}

// Up to 1000 updates per call; the answer says, per record, what happened.
export async function bulkUpdate(object: string, ids: string[], changes: Record<string, FieldValue>): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const records = ids.slice(i, i + 1000).map((id) => ({ id, ...changes }));
    const answer = await api.post<{ results: BatchResult[] }>(`/objects/${object}/batch`, { operation: "update", records });
    results.push(...answer.results.map((r) => ({ ...r, index: r.index + i })));
  }
  return results;
}

// Deletes go to the recycle bin (restorable), a few at a time.
export async function bulkDelete(object: string, ids: string[]): Promise<{ deleted: string[]; failed: number }> {
  const deleted: string[] = [];
  let failed = 0;
  for (let i = 0; i < ids.length; i += 8) {
    const chunk = ids.slice(i, i + 8);
    const outcomes = await Promise.allSettled(chunk.map((id) => api.delete(`/objects/${object}/${id}`)));
    outcomes.forEach((o, j) => (o.status === "fulfilled" ? deleted.push(chunk[j]) : failed++));
  }
  return { deleted, failed };
}

// A cell: quoted always; text that a spreadsheet would run as a formula (=, +, -, @
// first) gets a leading apostrophe. Numbers stay numbers.
function csvCell(text: string): string {
  const numeric = /^-?\d+(\.\d+)?$/.test(text);
  const safe = !numeric && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

// One or two columns per field, holding the API's values (not the screen's formats):
// numbers with a dot, ISO dates, money as amount and currency, a lookup's id and title.
function csvColumns(field: FieldMeta): { header: string; cell: (r: RecordData) => string }[] {
  const raw = (r: RecordData) => r[field.name] as FieldValue;
  switch (field.type) {
    case "currency":
      return [
        { header: field.label, cell: (r) => (isMoney(raw(r)) ? (raw(r) as { amount: string }).amount : "") },
        { header: `${field.label} currency`, cell: (r) => (isMoney(raw(r)) ? (raw(r) as { currency: string }).currency : "") },
      ];
    case "lookup":
      return [
        { header: field.label, cell: (r) => (raw(r) && field.target ? titles.get(field.target, String(raw(r))) ?? "" : "") },
        { header: `${field.label} id`, cell: (r) => String(raw(r) ?? "") },
      ];
    case "multi_picklist":
      return [{ header: field.label, cell: (r) => (Array.isArray(raw(r)) ? (raw(r) as string[]).join(";") : "") }];
    default:
      return [{ header: field.label, cell: (r) => (raw(r) === null || raw(r) === undefined ? "" : String(raw(r))) }];
  }
}

// The current view (its filter, sort and columns) as CSV, read page by page.
export async function exportCsv(meta: ObjectMeta, columns: FieldMeta[], filter: string, sort: string, onProgress?: (rows: number) => void): Promise<Blob> {
  const cells = columns.flatMap(csvColumns);
  const lines = [cells.map((c) => csvCell(c.header)).join(",")];
  let cursor: string | null = null;
  let count = 0;
  do {
    const page: ListPage = await api.get<ListPage>(
      `/objects/${meta.name}${query({ filter, sort, limit: 500, cursor, fields: columns.map((c) => c.name).join(",") })}`,
    );
    // Titles of the lookups on this page, in one request per target object.
    await Promise.all(columns.filter((c) => c.type === "lookup" && c.target).map((c) => titles.load(c.target!, page.data.map((r) => r[c.name]).filter((v): v is string => typeof v === "string"))));
    for (const record of page.data) lines.push(cells.map((c) => csvCell(c.cell(record))).join(","));
    count += page.data.length;
    onProgress?.(count);
    cursor = page.next_cursor;
  } while (cursor);
  return new Blob([`\ufeff${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" });
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
