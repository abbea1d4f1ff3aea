// Sharing: each object's organisation-wide default (who sees records they do not own)
// and the criteria rules that open records up to a team, a role, a user or everyone.
import { useCallback, useEffect, useState } from "react";
import { api, query } from "../../api/client";
import type { ListPage, RecordData } from "../../api/types";
import { navigationObjects, useMetadata } from "../../app/metadata";
import { useToast } from "../../components/toast";
import { ErrorBanner, FormDialog, FormRow, Pending } from "../../components/ui";
import type { Role } from "./RolesPage";

type Default = "private" | "public_read" | "public_read_write";
const DEFAULTS: { value: Default; label: string }[] = [
  { value: "private", label: "Private: owners, their managers and what rules share" },
  { value: "public_read", label: "Public read: everyone reads, owners edit" },
  { value: "public_read_write", label: "Public read and write" },
];

interface Rule {
  id: string;
  object: string;
  name: string;
  criteria: string;
  share_with: "everyone" | "team" | "role" | "user";
  target_id: string | null;
  level: "read" | "edit";
}

interface Targets {
  team: { id: string; name: string }[];
  role: { id: string; name: string }[];
  user: { id: string; name: string }[];
}

export function SharingPage() {
  const { objects } = useMetadata();
  const toast = useToast();
  const [defaults, setDefaults] = useState<Record<string, Default> | null>(null);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [targets, setTargets] = useState<Targets>({ team: [], role: [], user: [] });
  const [adding, setAdding] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const shareable = navigationObjects(objects).filter((o) => o.name !== "users" && o.name !== "teams");

  const load = useCallback(async () => {
    const named = (r: RecordData) => ({ id: r.id, name: String(r.name ?? r.id) });
    const [d, r, teams, roles, users] = await Promise.all([
      api.get<{ data: Record<string, Default> }>("/sharing/defaults"),
      api.get<{ data: Rule[] }>("/sharing/rules"),
      api.get<ListPage>(`/objects/teams${query({ sort: "name", limit: 500, fields: "name" })}`).catch(() => ({ data: [] as RecordData[] })),
      api.get<{ data: Role[] }>("/roles").catch(() => ({ data: [] as Role[] })),
      api.get<ListPage>(`/objects/users${query({ sort: "name", limit: 500, fields: "name" })}`).catch(() => ({ data: [] as RecordData[] })),
    ]);
    setDefaults(d.data);
    setRules(r.data);
    setTargets({ team: teams.data.map(named), role: roles.data.map((x) => ({ id: x.id!, name: x.name })), user: users.data.map(named) });
  }, []);
  useEffect(() => {
    load().then(() => setLoadError(null), (e: Error) => setLoadError(e.message));
  }, [load]);

  const setDefault = async (object: string, access: Default) => {
    try {
      await api.put(`/sharing/defaults/${object}`, { access });
      setDefaults((d) => ({ ...d, [object]: access }));
      toast("Default saved.");
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };
  const removeRule = async (rule: Rule) => {
    if (!window.confirm(`Delete the sharing rule “${rule.name}”? Records it shared stop being shared by it at once.`)) return;
    try {
      await api.delete(`/sharing/rules/${rule.id}`);
      toast(`Rule “${rule.name}” deleted.`);
      void load();
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };
  const targetName = (rule: Rule) =>
    rule.share_with === "everyone" ? "everyone" : `${rule.share_with} ${targets[rule.share_with].find((t) => t.id === rule.target_id)?.name ?? rule.target_id}`;

  return (
    <>
      <div className="page-head">
        <h1>Sharing</h1>
      </div>
      {loadError && <ErrorBanner error={loadError} onRetry={() => void load().then(() => setLoadError(null), (e: Error) => setLoadError(e.message))} />}
      <section aria-labelledby="defaults-title">
        <h2 id="defaults-title">Organisation-wide defaults</h2>
        <p className="muted">Who may see records they do not own. Roles still decide what anyone may do at all; rules and manual shares open records further.</p>
        {!defaults ? <Pending /> : (
          <table className="table">
            <thead><tr><th scope="col">Object</th><th scope="col">Default access</th></tr></thead>
            <tbody>
              {shareable.map((o) => (
                <tr key={o.name}>
                  <th scope="row">{o.label_plural}</th>
                  <td>
                    <select className="input" aria-label={`${o.label_plural}: default access`} value={defaults[o.name] ?? "private"} onChange={(e) => void setDefault(o.name, e.target.value as Default)}>
                      {DEFAULTS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="rules-title">
        <div className="page-head">
          <h2 id="rules-title">Sharing rules</h2>
          <span className="spacer" />
          <button className="button primary" onClick={() => setAdding(true)}>New rule</button>
        </div>
        {!rules ? <Pending /> : rules.length === 0 ? (
          <p className="muted">No rules yet. A rule shares every record that matches its criteria, such as <code>amount &gt; 100000</code>, with a team, a role, a user or everyone.</p>
        ) : (
          <table className="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Object</th><th scope="col">Records where</th><th scope="col">Shared with</th><th scope="col">Level</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id}>
                  <td>{r.name}</td>
                  <td>{objects.find((o) => o.name === r.object)?.label_plural ?? r.object}</td>
                  <td><code>{r.criteria}</code></td>
                  <td>{targetName(r)}</td>
                  <td>{r.level === "edit" ? "Read and edit" : "Read"}</td>
                  <td className="actions"><button className="button small danger" aria-label={`Delete rule ${r.name}`} onClick={() => void removeRule(r)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {adding && <RuleDialog objects={shareable.map((o) => ({ name: o.name, label: o.label_plural }))} targets={targets} onClose={() => setAdding(false)} onSaved={() => { setAdding(false); void load(); }} />}
    </>
  );
}

function RuleDialog({ objects, targets, onClose, onSaved }: {
  objects: { name: string; label: string }[];
  targets: Targets;
  onClose: () => void;
  onSaved: () => void;
}) {
  const toast = useToast();
  const [draft, setDraft] = useState({ object: objects[0]?.name ?? "", name: "", criteria: "", share_with: "team" as Rule["share_with"], target_id: "", level: "read" as Rule["level"] });
  const choices = draft.share_with === "everyone" ? [] : targets[draft.share_with];
  const submit = async () => {
    await api.post("/sharing/rules", { ...draft, target_id: draft.share_with === "everyone" ? undefined : draft.target_id });
    toast(`Rule “${draft.name}” saved.`);
    onSaved();
  };
  return (
    <FormDialog title="New sharing rule" submitLabel="Save rule" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
        <FormRow id="rule-name" label="Name" required error={error?.errorFor("name")}>
          <input id="rule-name" className="input" required autoFocus value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </FormRow>
        <FormRow id="rule-object" label="Object" error={error?.errorFor("object")}>
          <select id="rule-object" className="input" value={draft.object} onChange={(e) => setDraft({ ...draft, object: e.target.value })}>
            {objects.map((o) => <option key={o.name} value={o.name}>{o.label}</option>)}
          </select>
        </FormRow>
        <FormRow id="rule-criteria" label="Records where" required hint='An expression, such as amount > 100000 or stage = "won".' error={error?.errorFor("criteria")}>
          <input id="rule-criteria" className="input mono" required value={draft.criteria} onChange={(e) => setDraft({ ...draft, criteria: e.target.value })} />
        </FormRow>
        <FormRow id="rule-share-with" label="Share with" error={error?.errorFor("share_with")}>
          <select id="rule-share-with" className="input" value={draft.share_with} onChange={(e) => setDraft({ ...draft, share_with: e.target.value as Rule["share_with"], target_id: "" })}>
            <option value="team">A team</option>
            <option value="role">Holders of a role</option>
            <option value="user">A user</option>
            <option value="everyone">Everyone</option>
          </select>
        </FormRow>
        {draft.share_with !== "everyone" && (
          <FormRow id="rule-target" label={draft.share_with === "team" ? "Team" : draft.share_with === "role" ? "Role" : "User"} required error={error?.errorFor("target_id")}>
            <select id="rule-target" className="input" required value={draft.target_id} onChange={(e) => setDraft({ ...draft, target_id: e.target.value })}>
              <option value="">Choose…</option>
              {choices.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
          </FormRow>
        )}
        <FormRow id="rule-level" label="Access" error={error?.errorFor("level")}>
          <select id="rule-level" className="input" value={draft.level} onChange={(e) => setDraft({ ...draft, level: e.target.value as Rule["level"] })}>
            <option value="read">Read</option>
            <option value="edit">Read and edit</option>
          </select>
        </FormRow>
        </>
      )}
    </FormDialog>
  );
}
