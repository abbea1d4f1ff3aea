// What a list asks the server for, from its URL and the user's stored choice of
// columns. One place for it, because two callers must agree to the byte: the list
// page, and main.tsx, which on a cold load of a list URL asks for the first page as
// soon as the session and the metadata are in, before React has rendered anything.
import { peekPrefetched, prefetch, query } from "../api/client";
import type { ObjectMeta, Session } from "../api/types";
import { businessFields } from "../app/metadata";
import { readStored } from "./storage";
import { titleFields } from "./titles";

export const PAGE_SIZE = 100;

export function defaultColumns(meta: ObjectMeta): string[] {
  const title = titleFields(meta);
  const rest = businessFields(meta)
    .filter((f) => !title.includes(f.name) && f.type !== "long_text" && f.name !== "owner_id")
    .slice(0, 5)
    .map((f) => f.name);
  return [...title, ...rest];
}

export function columnsKey(userId: string, object: string): string {
  return `rapport:${userId}:columns:${object}`;
}

// The columns shown: the URL's, else the user's stored choice, else the defaults;
// names the user can no longer see are dropped.
export function listColumns(meta: ObjectMeta, fromUrl: string | null, stored: string[] | null): string[] {
  const known = new Set(meta.fields.map((f) => f.name));
  return (fromUrl?.split(",") ?? stored ?? defaultColumns(meta)).filter((name) => known.has(name));
}

// The fields fetched: the columns and what the record's title needs.
export function fetchedFields(meta: ObjectMeta, columns: string[]): string[] {
  return [...new Set([...columns, ...titleFields(meta)])];
}

export function firstPagePath(object: string, filter: string, sort: string, fields: string[]): string {
  return `/objects/${object}${query({ filter, sort, limit: PAGE_SIZE, fields: fields.join(",") })}`;
}

// On a cold load of /o/:object (without a saved view, which is fetched first), the
// first page of the list, asked for with the answers index.html preloaded; resolves
// once that page is read too (takeRead), so the first render can draw its rows.
export async function prefetchListOfLocation(): Promise<void> {
  const match = /^\/o\/([a-z0-9_]+)\/?$/.exec(location.pathname);
  if (!match) return;
  const params = new URLSearchParams(location.search);
  if (params.has("view")) return;
  const [session, metadata] = await Promise.all([
    peekPrefetched<Session>("/auth/session"),
    peekPrefetched<{ data: ObjectMeta[] }>("/metadata/objects"),
  ]);
  const meta = metadata?.data.find((o) => o.name === match[1]);
  if (!session || !meta) return;
  const columns = listColumns(meta, params.get("cols"), readStored<string[] | null>(columnsKey(session.user_id, meta.name), null));
  const path = firstPagePath(meta.name, params.get("filter") ?? "", params.get("sort") ?? "", fetchedFields(meta, columns));
  prefetch(path);
  await peekPrefetched(path);
}
