// Record operations the pages share: conditional saves (If-Match, so two people never
// silently overwrite each other), bulk changes through the batch API, CSV export.
import { api, fetchFile, query } from "../api/client";
import type { FieldValue, RecordData } from "../api/types";

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

// The server's CSV of the current view (its filter, sort and columns), for people:
// labels as headers, values as the API has them. The server checks the export
// permission; `onProgress` hears the rows received so far.
export function exportCsv(object: string, columns: string[], filter: string, sort: string, onProgress?: (rows: number) => void): Promise<Blob> {
  const path = `/objects/${object}/export${query({ filter, sort, fields: columns.join(","), header: "labels" })}`;
  const records = csvRecordCounter();
  return fetchFile(path, (bytes) => onProgress?.(Math.max(0, records(bytes) - 1)));
}

// Counts the records of a CSV as its bytes arrive: a line break ends a record unless
// it is inside a quoted cell (a note with several lines is one record). An escaped
// quote ("") toggles twice, so it leaves the state as it was.
export function csvRecordCounter(): (bytes: Uint8Array) => number {
  let quoted = false;
  let records = 0;
  return (bytes) => {
    for (const byte of bytes) {
      if (byte === 34) quoted = !quoted;
      else if (byte === 10 && !quoted) records++;
    }
    return records;
  };
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
