// What a record is called (its title) and a shared, batched cache of the titles of
// records that lookups point at: a list of 50 deals asks once for its companies.
import { useEffect, useState } from "react";
import { api, query } from "../api/client";
import type { ListPage, ObjectMeta, RecordData } from "../api/types";

export function titleFields(meta: ObjectMeta): string[] {
  const names = meta.fields.map((f) => f.name);
  // People and leads are called by their whole name, though the title field is one part.
  if (names.includes("first_name") && names.includes("last_name")) return ["first_name", "last_name"];
  return [meta.title_field];
}

export function recordTitle(meta: ObjectMeta | undefined, record: RecordData | undefined): string {
  if (!record) return "";
  if (!meta) return String(record.id);
  const text = titleFields(meta)
    .map((f) => record[f])
    .filter((v) => typeof v === "string" && v !== "")
    .join(" ");
  return text || `${meta.label} ${String(record.id).slice(-6)}`;
}

type Listener = () => void;

class TitleCache {
  private titles = new Map<string, string | null>(); // "object/id" -> title; null: not visible
  private pending = new Map<string, Set<string>>();
  private inFlight = new Set<string>();
  private listeners = new Set<Listener>();
  private scheduled = false;
  private metadata: (name: string) => ObjectMeta | undefined = () => undefined;

  setMetadata(lookup: (name: string) => ObjectMeta | undefined) {
    this.metadata = lookup;
  }

  get(object: string, id: string): string | null | undefined {
    return this.titles.get(`${object}/${id}`);
  }

  // Records a title already known (from a list or a record page).
  remember(object: string, record: RecordData) {
    const meta = this.metadata(object);
    if (meta) this.titles.set(`${object}/${record.id}`, recordTitle(meta, record));
  }

  request(object: string, id: string) {
    const key = `${object}/${id}`;
    if (this.titles.has(key) || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    let ids = this.pending.get(object);
    if (!ids) this.pending.set(object, (ids = new Set()));
    ids.add(id);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => void this.flush());
    }
  }

  // Asks for the titles of `ids` now and resolves when they are known.
  async load(object: string, ids: string[]): Promise<void> {
    for (const id of ids) this.request(object, id);
    await this.flush();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear() {
    this.titles.clear();
    this.pending.clear();
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batches = [...this.pending];
    this.pending.clear();
    await Promise.all(
      batches.map(async ([object, idSet]) => {
        const meta = this.metadata(object);
        const ids = [...idSet];
        for (let i = 0; i < ids.length; i += 200) {
          const chunk = ids.slice(i, i + 200);
          try {
            if (!meta) throw new Error("unknown object");
            const filter = `id in (${chunk.map((id) => JSON.stringify(id)).join(", ")})`;
            const page = await api.get<ListPage>(
              `/objects/${object}${query({ filter, fields: titleFields(meta).join(","), limit: 500 })}`,
            );
            for (const record of page.data) this.remember(object, record);
            // Asked and not answered: not visible to this user.
            for (const id of chunk) if (!this.titles.has(`${object}/${id}`)) this.titles.set(`${object}/${id}`, null);
          } catch {
            // A failed request (or an object this user cannot see) is asked again later.
            if (!meta) for (const id of chunk) this.titles.set(`${object}/${id}`, null);
          } finally {
            for (const id of chunk) this.inFlight.delete(`${object}/${id}`);
          }
        }
      }),
    );
    this.listeners.forEach((l) => l());
  }
}

export const titles = new TitleCache();

export function useTitle(object: string | undefined, id: string | null | undefined): string | null | undefined {
  const [, setTick] = useState(0);
  useEffect(() => titles.subscribe(() => setTick((t) => t + 1)), []);
  useEffect(() => {
    if (object && id) titles.request(object, id);
  }, [object, id]);
  if (!object || !id) return undefined;
  return titles.get(object, id);
}
