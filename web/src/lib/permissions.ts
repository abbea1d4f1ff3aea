// What the signed-in user may do with an object, from the metadata: the app offers only
// what will work (the server enforces it either way).
import type { ObjectMeta } from "../api/types";

export type Action = "create" | "edit" | "delete" | "export";

export function may(meta: ObjectMeta, action: Action): boolean {
  const granted = meta.permissions;
  if (!granted) return true; // a server that does not say: let it answer
  return action === "export" ? granted.export : granted[action] !== "none";
}
