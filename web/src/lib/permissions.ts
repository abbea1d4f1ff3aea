// What the signed-in user may do with an object, from the metadata: the app offers only
// what will work (the server enforces it either way).
import type { ObjectMeta } from "../api/types";

export type Action = "create" | "edit" | "delete" | "export";

export function may(meta: ObjectMeta, action: Action): boolean {
  const granted = meta.permissions;
  if (!granted) return true; // a server that does not say: let it answer
  return action === "export" ? granted.export : granted[action] !== "none";
}

// Whether the user may change a saved report or a dashboard (docs/reports.md): its
// author, or an administrator when it is shared; never through a read-only session.
export function mayChangeOwned(item: { owner_id: string; shared: boolean }, me: { user_id: string; is_admin: boolean; read_only: boolean }): boolean {
  if (me.read_only) return false;
  return item.owner_id === me.user_id || (me.is_admin && item.shared);
}
