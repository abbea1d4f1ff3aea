// The caller's view of the data model (GET /metadata/objects): objects and fields as
// this user may see them (hidden fields are absent). Everything generic in the app
// (sidebar, lists, forms, record pages, boards) is drawn from it.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, takeRead } from "../api/client";
import type { FieldMeta, ObjectMeta } from "../api/types";
import { titles } from "../lib/titles";

interface MetadataState {
  objects: ObjectMeta[];
  object: (name: string) => ObjectMeta | undefined;
  refresh: () => Promise<void>;
  error: string | null;
}

const MetadataContext = createContext<MetadataState | null>(null);

export function MetadataProvider({ children }: { children: ReactNode }) {
  // Read already on a cold load (main.tsx), so the first render draws the page.
  const [known] = useState(() => takeRead<{ data: ObjectMeta[] }>("/metadata/objects")?.data ?? null);
  const [objects, setObjects] = useState<ObjectMeta[] | null>(known);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const response = await api.get<{ data: ObjectMeta[] }>("/metadata/objects");
      setObjects(response.data);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    if (!known) void refresh();
  }, [known, refresh]);

  const value = useMemo<MetadataState | null>(() => {
    if (!objects) return null;
    const byName = new Map(objects.map((o) => [o.name, o]));
    const object = (name: string) => byName.get(name);
    titles.setMetadata(object);
    return { objects, object, refresh, error };
  }, [objects, refresh, error]);

  if (!value) {
    return error ? (
      <div className="center-page" role="alert">
        <p>Could not load the workspace: {error}</p>
        <button className="button" onClick={() => void refresh()}>Try again</button>
      </div>
    ) : (
      <div className="center-page"><div className="spinner" role="status" aria-label="Loading" /></div>
    );
  }
  return <MetadataContext.Provider value={value}>{children}</MetadataContext.Provider>;
}

export function useMetadata(): MetadataState {
  const state = useContext(MetadataContext);
  if (!state) throw new Error("useMetadata outside MetadataProvider");
  return state;
}

// The fields people read and edit (not id/version and the other system columns).
const SYSTEM_FIELDS = new Set(["id", "version", "created_at", "updated_at", "created_by"]);

export function businessFields(meta: ObjectMeta): FieldMeta[] {
  return meta.fields.filter((f) => !SYSTEM_FIELDS.has(f.name));
}

export function systemFields(meta: ObjectMeta): FieldMeta[] {
  return meta.fields.filter((f) => SYSTEM_FIELDS.has(f.name) && f.name !== "id" && f.name !== "version");
}

export function editableFields(meta: ObjectMeta): FieldMeta[] {
  return businessFields(meta).filter((f) => !f.read_only);
}

// A lookup's relation name for include= (company_id -> company).
export function relationName(field: FieldMeta): string {
  return field.name.endsWith("_id") ? field.name.slice(0, -3) : field.name;
}

// The objects in the order people use them: the CRM's own first, then custom ones.
const ORDER = ["companies", "people", "leads", "opportunities", "activities", "products", "users", "teams"];

export function navigationObjects(objects: ObjectMeta[]): ObjectMeta[] {
  const rank = (o: ObjectMeta) => {
    const i = ORDER.indexOf(o.name);
    return i < 0 ? ORDER.length : i;
  };
  return [...objects].sort((a, b) => rank(a) - rank(b) || a.label_plural.localeCompare(b.label_plural));
}

// The sections a record's fields are shown in, on its page and in its forms.
const ADDRESS = ["street", "city", "postal_code", "state", "country"];

export interface Section {
  title: string;
  fields: FieldMeta[];
}

export function sectionsOf(meta: ObjectMeta): Section[] {
  const business = businessFields(meta);
  const details = business.filter((f) => !f.custom && !ADDRESS.includes(f.name) && f.name !== "owner_id");
  const address = business.filter((f) => !f.custom && ADDRESS.includes(f.name));
  const custom = business.filter((f) => f.custom);
  const owner = business.filter((f) => f.name === "owner_id");
  return [
    { title: "Details", fields: details },
    { title: "Address", fields: address },
    { title: "More fields", fields: custom },
    { title: "Record", fields: [...owner, ...systemFields(meta)] },
  ].filter((s) => s.fields.length > 0);
}
