// Users: invite people (a one-time link), reset a password, choose roles, deactivate
// (a deactivated user cannot sign in, and their sessions and tokens stop working).
import { useCallback, useEffect, useState } from "react";
import { api, query } from "../../api/client";
import { useSignedIn } from "../../app/session";
import type { ListPage, RecordData } from "../../api/types";
import { useToast } from "../../components/toast";
import { FormDialog, FormRow, Modal, Pending } from "../../components/ui";
import type { Role } from "./RolesPage";

export function UsersPage() {
  const toast = useToast();
  const [users, setUsers] = useState<RecordData[] | null>(null);
  const [roles, setRoles] = useState<Role[]>([]);
  const [inviting, setInviting] = useState(false);
  const [link, setLink] = useState<{ title: string; url: string } | null>(null);
  const [editing, setEditing] = useState<RecordData | null>(null);

  const load = useCallback(async () => {
    const [page, roleList] = await Promise.all([
      api.get<ListPage>(`/objects/users${query({ sort: "name", limit: 500 })}`),
      api.get<{ data: Role[] }>("/roles").catch(() => ({ data: [] as Role[] })),
    ]);
    setUsers(page.data);
    setRoles(roleList.data);
  }, []);
  useEffect(() => void load(), [load]);

  const me = useSignedIn();
  const setActive = async (user: RecordData, active: boolean) => {
    const name = String(user.name);
    if (!active && !window.confirm(`Deactivate ${name}? They are signed out everywhere, their API tokens stop working, and their records stay.`)) return;
    try {
      await api.patch(`/objects/users/${user.id}`, { active }, Number(user.version));
      toast(active ? `${name} can sign in again.` : `${name} is deactivated.`);
      void load();
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };

  const reset = async (user: RecordData) => {
    if (!window.confirm(`Sign ${String(user.name)} out everywhere and make a password reset link?`)) return;
    try {
      const answer = await api.post<{ accept_path: string }>(`/users/${user.id}/password-reset`);
      setLink({ title: `Reset link for ${String(user.name)}`, url: `${location.origin}${answer.accept_path}` });
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>Users</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setInviting(true)}>Invite user</button>
      </div>
      {!users ? <Pending /> : (
        <table className="table">
          <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Type</th><th scope="col">Active</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{String(u.name)}</td>
                <td>{String(u.email)}</td>
                <td>{u.role === "admin" ? "Administrator" : "Member"}</td>
                <td>{u.active === false ? "No" : "Yes"}</td>
                <td className="actions">
                  <button className="button small" onClick={() => setEditing(u)}>Roles</button>
                  <button className="button small" onClick={() => void reset(u)}>Reset password</button>
                  {u.id !== me.user_id && (
                    u.active === false
                      ? <button className="button small" onClick={() => void setActive(u, true)}>Reactivate</button>
                      : <button className="button small danger" onClick={() => void setActive(u, false)} aria-label={`Deactivate ${String(u.name)}`}>Deactivate</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {inviting && (
        <InviteDialog
          onClose={() => setInviting(false)}
          onInvited={(name, path) => { setInviting(false); setLink({ title: `Invitation for ${name}`, url: `${location.origin}${path}` }); void load(); }}
        />
      )}
      {link && (
        <Modal title={link.title} onClose={() => setLink(null)}>
          <p>Send this link to the person. It works once, for 7 days, and is not shown again.</p>
          <input className="input mono" readOnly value={link.url} onFocus={(e) => e.target.select()} aria-label="Link" />
          <div className="form-actions">
            <button className="button" onClick={() => void navigator.clipboard?.writeText(link.url).then(() => toast("Copied."))}>Copy</button>
            <button className="button primary" onClick={() => setLink(null)}>Done</button>
          </div>
        </Modal>
      )}
      {editing && <UserRolesDialog user={editing} roles={roles} onClose={() => setEditing(null)} />}
    </>
  );
}

function InviteDialog({ onClose, onInvited }: { onClose: () => void; onInvited: (name: string, path: string) => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const submit = async () => {
    const answer = await api.post<{ accept_path: string }>("/invitations", { name, email, role });
    onInvited(name, answer.accept_path);
  };
  return (
    <FormDialog title="Invite a user" submitLabel="Invite" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
          <FormRow id="invite-name" label="Name" required error={error?.errorFor("name")}>
            <input id="invite-name" className="input" required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          </FormRow>
          <FormRow id="invite-email" label="Email" required error={error?.errorFor("email")}>
            <input id="invite-email" className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </FormRow>
          <FormRow id="invite-role" label="Type">
            <select id="invite-role" className="input" value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="member">Member</option>
              <option value="admin">Administrator</option>
            </select>
          </FormRow>
        </>
      )}
    </FormDialog>
  );
}

function UserRolesDialog({ user, roles, onClose }: { user: RecordData; roles: Role[]; onClose: () => void }) {
  const toast = useToast();
  const [held, setHeld] = useState<string[] | null>(null);
  useEffect(() => {
    api.get<{ roles: string[] }>(`/users/${user.id}/roles`).then((r) => setHeld(r.roles), () => setHeld([]));
  }, [user.id]);
  const save = async () => {
    try {
      await api.put(`/users/${user.id}/roles`, { roles: held });
      toast("Roles saved.");
      onClose();
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };
  return (
    <Modal title={`Roles of ${String(user.name)}`} onClose={onClose}>
      {!held ? <Pending /> : roles.length === 0 ? <p className="muted">No roles yet. Create one under Roles and permissions.</p> : (
        <fieldset className="checks">
          <legend className="sr-only">Roles</legend>
          {roles.map((r) => (
            <label key={r.id} className="check">
              <input type="checkbox" checked={held.includes(r.id!)} onChange={(e) => setHeld(e.target.checked ? [...held, r.id!] : held.filter((x) => x !== r.id))} />
              {r.name}{r.is_default ? " (default)" : ""}
            </label>
          ))}
        </fieldset>
      )}
      <div className="form-actions">
        <button className="button" onClick={onClose}>Cancel</button>
        <button className="button primary" onClick={() => void save()} disabled={!held}>Save</button>
      </div>
    </Modal>
  );
}
