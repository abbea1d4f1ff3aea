// Saved views of a list (GET/POST/PATCH/DELETE /api/v1/views): a name for a filter,
// a sort and columns, kept on the server, personal or shared with the workspace.
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { api, query } from "../api/client";
import { useSignedIn } from "../app/session";
import { useToast } from "./toast";
import { Modal } from "./ui";

export interface SavedView {
  id: string;
  object: string;
  name: string;
  filter: string;
  sort: string;
  columns: string[];
  shared: boolean;
  owner_id: string;
}

interface Props {
  object: string;
  current: { filter: string; sort: string; columns: string[] };
}

export function SavedViews({ object, current }: Props) {
  const me = useSignedIn();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const [views, setViews] = useState<SavedView[]>([]);
  const [saving, setSaving] = useState(false);
  const viewId = params.get("view") ?? "";
  const active = views.find((v) => v.id === viewId);

  const load = useCallback(async () => {
    try {
      setViews((await api.get<{ data: SavedView[] }>(`/views${query({ object })}`)).data);
    } catch {
      setViews([]);
    }
  }, [object]);
  useEffect(() => void load(), [load]);

  // A link with only ?view= opens the view as it is saved now.
  useEffect(() => {
    if (active && !params.has("filter") && !params.has("sort") && !params.has("cols")) open(active.id, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active?.id]);

  const open = (id: string, replace = false) => {
    const view = views.find((v) => v.id === id);
    const next = new URLSearchParams();
    if (view) {
      next.set("view", view.id);
      if (view.filter) next.set("filter", view.filter);
      if (view.sort) next.set("sort", view.sort);
      if (view.columns.length) next.set("cols", view.columns.join(","));
    }
    setParams(next, { replace });
  };

  const mine = views.filter((v) => v.owner_id === me.user_id);
  const shared = views.filter((v) => v.owner_id !== me.user_id);
  const changed = active && (active.filter !== current.filter || active.sort !== current.sort || active.columns.join(",") !== current.columns.join(","));
  const canChange = active && (active.owner_id === me.user_id || me.is_admin);

  const update = async () => {
    if (!active) return;
    await api.patch(`/views/${active.id}`, { filter: current.filter, sort: current.sort, columns: current.columns });
    toast(`View “${active.name}” updated.`);
    void load();
  };

  const remove = async () => {
    if (!active || !window.confirm(`Delete the view “${active.name}”?`)) return;
    await api.delete(`/views/${active.id}`);
    toast(`View “${active.name}” deleted.`);
    setParams(new URLSearchParams());
    void load();
  };

  return (
    <div className="saved-views">
      <label className="sr-only" htmlFor="view-select">View</label>
      <select id="view-select" className="input view-select" value={active ? active.id : ""} onChange={(e) => open(e.target.value)}>
        <option value="">All records</option>
        {mine.length > 0 && (
          <optgroup label="My views">
            {mine.map((v) => <option key={v.id} value={v.id}>{v.name}{v.shared ? " (shared)" : ""}</option>)}
          </optgroup>
        )}
        {shared.length > 0 && (
          <optgroup label="Shared views">
            {shared.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </optgroup>
        )}
      </select>
      {changed && canChange && <button className="button" onClick={() => void update()}>Update view</button>}
      <button className="button" onClick={() => setSaving(true)}>Save view</button>
      {active && canChange && <button className="button" aria-label={`Delete view ${active.name}`} onClick={() => void remove()}>Delete view</button>}
      {saving && (
        <SaveViewDialog
          onClose={() => setSaving(false)}
          onSave={async (name, isShared) => {
            const view = await api.post<SavedView>("/views", { object, name, shared: isShared, ...current });
            setSaving(false);
            toast(`View “${view.name}” saved.`);
            await load();
            const next = new URLSearchParams(params);
            next.set("view", view.id);
            setParams(next);
          }}
        />
      )}
    </div>
  );
}

function SaveViewDialog({ onClose, onSave }: { onClose: () => void; onSave: (name: string, shared: boolean) => Promise<void> }) {
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title="Save view" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await onSave(name.trim(), shared);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <div className="form-row">
          <label htmlFor="view-name">Name</label>
          <input id="view-name" className="input" required autoFocus maxLength={100} value={name} onChange={(e) => setName(e.target.value)} aria-describedby="view-name-error" />
          {error && <p className="field-error" id="view-name-error" role="alert">{error}</p>}
        </div>
        <label className="check">
          <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
          Share with everyone in the workspace
        </label>
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="button primary">Save</button>
        </div>
      </form>
    </Modal>
  );
}
