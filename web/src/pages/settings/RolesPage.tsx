// Roles and permissions: per object, who may create, read, edit and delete which
// records (none / own / team / all) and export; per field, whether it is hidden or
// read-only; administration rights; MFA.
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { ObjectMeta } from "../../api/types";
import { businessFields, navigationObjects, useMetadata } from "../../app/metadata";
import { useToast } from "../../components/toast";
import { Modal, Pending } from "../../components/ui";

type Scope = "none" | "own" | "team" | "all";
const SCOPES: Scope[] = ["none", "own", "team", "all"];
const ACTIONS = ["create", "read", "edit", "delete"] as const;

interface ObjectPermission {
  create: Scope;
  read: Scope;
  edit: Scope;
  delete: Scope;
  export: boolean;
}

export interface Role {
  id?: string;
  name: string;
  description: string;
  is_default: boolean;
  manage_metadata: boolean;
  manage_users: boolean;
  require_mfa: boolean;
  objects: Record<string, ObjectPermission>;
  fields: Record<string, string>;
}

const EMPTY: Role = {
  name: "", description: "", is_default: false, manage_metadata: false, manage_users: false, require_mfa: false,
  objects: { "*": { create: "own", read: "all", edit: "own", delete: "own", export: false } }, fields: {},
};

export function RolesPage() {
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [editing, setEditing] = useState<Role | null>(null);
  const load = useCallback(async () => setRoles((await api.get<{ data: Role[] }>("/roles")).data), []);
  useEffect(() => void load(), [load]);
  return (
    <>
      <div className="page-head">
        <h1>Roles and permissions</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setEditing(EMPTY)}>New role</button>
      </div>
      <p className="muted">Administrators see everything. Members get what their roles allow, the most permissive role winning; the default role covers members with none.</p>
      {!roles ? <Pending /> : roles.length === 0 ? <p>No roles yet: every member can do everything on every object.</p> : (
        <ul className="settings-list">
          {roles.map((r) => (
            <li key={r.id}>
              <button className="link-button" onClick={() => setEditing(r)}>{r.name}</button>
              <span className="muted">{r.description}{r.is_default ? " · default" : ""}{r.require_mfa ? " · requires two-factor" : ""}</span>
            </li>
          ))}
        </ul>
      )}
      {editing && <RoleEditor role={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void load(); }} />}
    </>
  );
}

function RoleEditor({ role, onClose, onSaved }: { role: Role; onClose: () => void; onSaved: () => void }) {
  const { objects } = useMetadata();
  const toast = useToast();
  const [draft, setDraft] = useState<Role>(structuredClone(role));
  const [error, setError] = useState<ApiError | null>(null);
  const names = ["*", ...navigationObjects(objects).map((o) => o.name)];
  const permission = (object: string): ObjectPermission | undefined => draft.objects[object];
  const setPermission = (object: string, change: Partial<ObjectPermission> | null) => {
    const objectsNext = { ...draft.objects };
    if (change === null) delete objectsNext[object];
    else objectsNext[object] = { ...(objectsNext[object] ?? objectsNext["*"] ?? EMPTY.objects["*"]), ...change };
    setDraft({ ...draft, objects: objectsNext });
  };
  const save = async () => {
    try {
      if (role.id) await api.put(`/roles/${role.id}`, draft);
      else await api.post("/roles", draft);
      toast(`Role “${draft.name}” saved.`);
      onSaved();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const remove = async () => {
    if (!role.id || !window.confirm(`Delete the role “${role.name}”? Its holders lose it.`)) return;
    await api.delete(`/roles/${role.id}`);
    onSaved();
  };
  return (
    <Modal title={role.id ? `Role: ${role.name}` : "New role"} onClose={onClose} wide>
      {error && <p className="banner error" role="alert">{error.message}</p>}
      <div className="form-grid">
        <div className="form-row">
          <label htmlFor="role-name">Name</label>
          <input id="role-name" className="input" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </div>
        <div className="form-row">
          <label htmlFor="role-description">Description</label>
          <input id="role-description" className="input" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </div>
      </div>
      <div className="checks">
        <label className="check"><input type="checkbox" checked={draft.is_default} onChange={(e) => setDraft({ ...draft, is_default: e.target.checked })} /> Default role (members without a role)</label>
        <label className="check"><input type="checkbox" checked={draft.manage_metadata} onChange={(e) => setDraft({ ...draft, manage_metadata: e.target.checked })} /> Manage objects and fields</label>
        <label className="check"><input type="checkbox" checked={draft.manage_users} onChange={(e) => setDraft({ ...draft, manage_users: e.target.checked })} /> Manage users</label>
        <label className="check"><input type="checkbox" checked={draft.require_mfa} onChange={(e) => setDraft({ ...draft, require_mfa: e.target.checked })} /> Require two-factor sign-in</label>
      </div>
      <div className="table-scroll">
        <table className="table permissions">
          <caption className="sr-only">Record access per object</caption>
          <thead><tr><th scope="col">Object</th>{ACTIONS.map((a) => <th scope="col" key={a}>{a[0].toUpperCase() + a.slice(1)}</th>)}<th scope="col">Export</th></tr></thead>
          <tbody>
            {names.map((name) => {
              const p = permission(name);
              const label = name === "*" ? "Every other object" : objects.find((o) => o.name === name)?.label_plural ?? name;
              return (
                <tr key={name}>
                  <th scope="row">
                    {label}
                    {name !== "*" && (
                      <label className="check small"><input type="checkbox" checked={!!p} onChange={(e) => setPermission(name, e.target.checked ? {} : null)} /> own rules</label>
                    )}
                  </th>
                  {ACTIONS.map((a) => (
                    <td key={a}>
                      {p ? (
                        <select className="input small" aria-label={`${label}: ${a}`} value={p[a]} onChange={(e) => setPermission(name, { [a]: e.target.value as Scope })}>
                          {SCOPES.map((s) => <option key={s} value={s}>{s}</option>)}
                        </select>
                      ) : <span className="muted">as every other</span>}
                    </td>
                  ))}
                  <td>{p && <input type="checkbox" aria-label={`${label}: export`} checked={p.export} onChange={(e) => setPermission(name, { export: e.target.checked })} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <FieldAccessEditor objects={navigationObjects(objects)} value={draft.fields} onChange={(fields) => setDraft({ ...draft, fields })} />
      <div className="form-actions">
        {role.id && <button className="button danger" onClick={() => void remove()}>Delete role</button>}
        <span className="spacer" />
        <button className="button" onClick={onClose}>Cancel</button>
        <button className="button primary" onClick={() => void save()}>Save role</button>
      </div>
    </Modal>
  );
}

type FieldAccess = "editable" | "read_only" | "hidden";
const FIELD_ACCESS: { value: FieldAccess; label: string }[] = [
  { value: "editable", label: "Editable" },
  { value: "read_only", label: "Read-only" },
  { value: "hidden", label: "Hidden" },
];

// Field-level security, one object at a time: "editable" is the default and is not
// stored; the role's `fields` map holds only the restrictions ("object.field").
function FieldAccessEditor({ objects, value, onChange }: { objects: ObjectMeta[]; value: Record<string, string>; onChange: (fields: Record<string, string>) => void }) {
  const [objectName, setObjectName] = useState(objects[0]?.name ?? "");
  const meta = objects.find((o) => o.name === objectName);
  const restricted = (name: string) => Object.keys(value).filter((k) => k.startsWith(`${name}.`)).length;
  const set = (field: string, access: FieldAccess) => {
    const next = { ...value };
    if (access === "editable") delete next[`${objectName}.${field}`];
    else next[`${objectName}.${field}`] = access;
    onChange(next);
  };
  return (
    <section className="field-access" aria-labelledby="field-access-title">
      <h3 id="field-access-title">Field access</h3>
      <p className="muted">Hidden fields are left out of every answer to this role's holders (lists, records, search, exports); read-only ones are shown but cannot be set.</p>
      <div className="form-row">
        <label htmlFor="field-access-object">Fields of</label>
        <select id="field-access-object" className="input" value={objectName} onChange={(e) => setObjectName(e.target.value)}>
          {objects.map((o) => (
            <option key={o.name} value={o.name}>{o.label_plural}{restricted(o.name) ? ` (${restricted(o.name)} restricted)` : ""}</option>
          ))}
        </select>
      </div>
      {meta && (
        <div className="table-scroll">
          <table className="table">
            <caption className="sr-only">Field access on {meta.label_plural}</caption>
            <thead><tr><th scope="col">Field</th><th scope="col">Access</th></tr></thead>
            <tbody>
              {businessFields(meta).map((f) => (
                <tr key={f.name}>
                  <th scope="row">{f.label}</th>
                  <td>
                    <select className="input small" aria-label={`${meta.label_plural}: ${f.label}`} value={value[`${meta.name}.${f.name}`] ?? "editable"} onChange={(e) => set(f.name, e.target.value as FieldAccess)}>
                      {FIELD_ACCESS.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
