// API tokens for scripts and integrations: shown once when made, revocable at once.
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client";
import { useToast } from "../../components/toast";
import { FormDialog, FormRow, Modal, Pending } from "../../components/ui";
import { formatDateTime } from "../../fields/format";
import { useSignedIn } from "../../app/session";
import { useTitle } from "../../lib/titles";

interface Token {
  id: string;
  user_id: string;
  name: string;
  read_only: boolean;
  objects?: string[];
  last_used_at: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export function TokensPage() {
  const toast = useToast();
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const load = useCallback(async () => setTokens((await api.get<{ data: Token[] }>("/tokens")).data), []);
  useEffect(() => void load(), [load]);
  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke “${t.name}”? Anything using it stops working at once.`)) return;
    await api.delete(`/tokens/${t.id}`);
    toast("Token revoked.");
    void load();
  };
  return (
    <>
      <div className="page-head">
        <h1>API tokens</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setCreating(true)}>New token</button>
      </div>
      {!tokens ? <Pending /> : tokens.length === 0 ? <p className="muted">No tokens. A token lets a script use the REST API as you.</p> : (
        <table className="table">
          <thead><tr><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Access</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} className={t.revoked_at ? "muted" : undefined}>
                <td>{t.name}</td>
                <td><TokenOwner id={t.user_id} /></td>
                <td>{t.read_only ? "Read only" : "Read and write"}{t.objects?.length ? ` · ${t.objects.join(", ")}` : ""}</td>
                <td>{t.last_used_at ? formatDateTime(t.last_used_at) : "Never"}</td>
                <td>{t.revoked_at ? "Revoked" : t.expires_at ? formatDateTime(t.expires_at) : "Never"}</td>
                <td>{!t.revoked_at && <button className="button small danger" onClick={() => void revoke(t)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <NewTokenDialog onClose={() => setCreating(false)} onCreated={(s) => { setCreating(false); setSecret(s); void load(); }} />}
      {secret && (
        <Modal title="Your new token" onClose={() => setSecret(null)}>
          <p>Copy it now: it is not shown again.</p>
          <input className="input mono" readOnly value={secret} onFocus={(e) => e.target.select()} aria-label="Token" />
          <div className="form-actions"><button className="button primary" onClick={() => setSecret(null)}>Done</button></div>
        </Modal>
      )}
    </>
  );
}

function TokenOwner({ id }: { id: string }) {
  const me = useSignedIn();
  const title = useTitle("users", id);
  return <>{id === me.user_id ? "You" : title ?? "…"}</>;
}

function NewTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (secret: string) => void }) {
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [readOnly, setReadOnly] = useState(false);
  const submit = async () => {
    const answer = await api.post<{ token: string }>("/tokens", { name, expires_in_days: Number(days), read_only: readOnly });
    onCreated(answer.token);
  };
  return (
    <FormDialog title="New API token" submitLabel="Create token" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
        <FormRow id="token-name" label="Name" required error={error?.errorFor("name")}>
          <input id="token-name" className="input" required autoFocus placeholder="Nightly import" value={name} onChange={(e) => setName(e.target.value)} />
        </FormRow>
        <FormRow id="token-days" label="Expires after" error={error?.errorFor("expires_in_days")}>
          <select id="token-days" className="input" value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="7">7 days</option><option value="30">30 days</option><option value="90">90 days</option><option value="365">1 year</option><option value="0">Never</option>
          </select>
        </FormRow>
        <label className="check"><input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} /> Read only</label>
        </>
      )}
    </FormDialog>
  );
}
