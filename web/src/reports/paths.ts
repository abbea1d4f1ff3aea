// Field paths of reports: a field of the object itself ("stage"), or of a related
// record through a lookup ("company.industry", the relation named after the lookup).
import type { FieldMeta, ObjectMeta } from "../api/types";

export function relationOf(lookup: FieldMeta): string {
  return lookup.name.endsWith("_id") ? lookup.name.slice(0, -3) : lookup.name;
}

// The field a column or a grouping names: the object's own, or a related record's.
export function fieldAt(meta: ObjectMeta, objectOf: (name: string) => ObjectMeta | undefined, path: string): FieldMeta | undefined {
  const dot = path.indexOf(".");
  if (dot < 0) return meta.fields.find((f) => f.name === path);
  const lookup = meta.fields.find((f) => f.type === "lookup" && f.target && relationOf(f) === path.slice(0, dot));
  return lookup ? objectOf(lookup.target!)?.fields.find((f) => f.name === path.slice(dot + 1)) : undefined;
}
