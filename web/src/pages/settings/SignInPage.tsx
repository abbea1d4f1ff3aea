// Sign-in security for administrators: who signed in from where (and who failed to),
// and the IP allow-list that limits where anyone may sign in from.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, api, query } from "../../api/client";
import { useToast } from "../../components/toast";
import { ErrorBanner, FormRow, Pending } from "../../components/ui";

interface SignInEvent {
  id: string;
  user_id: string | null;
  email: string;
  ip: string;
  user_agent: string;
  occurred_at: string;
  result: string;
}

// "Chrome on Linux" rather than the whole user agent string.
export function browserOf(agent: string): string {
  const browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : /curl\//.test(agent) ? "curl" : "";
  const system = /Windows/.test(agent) ? "Windows" : /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Mac OS X/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : "";
  if (browser && system) return `${browser} on ${system}`;
  return browser || system || agent || "unknown";
}

export function SignInPage() {
  const toast = useToast();
  const [events, setEvents] = useState<SignInEvent[] | null>(null);
  const [cidrs, setCidrs] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [history, allow] = await Promise.all([
      api.get<{ data: SignInEvent[] }>(`/auth/history${query({ limit: 200 })}`),
      api.get<{ cidrs: string[] }>("/security/ip-allowlist"),
    ]);
    setEvents(history.data);
    setCidrs(allow.cidrs.join("\n"));
  }, []);
  const reload = useCallback(() => load().then(() => setLoadError(null), (e: Error) => setLoadError(e.message)), [load]);
  useEffect(() => void reload(), [reload]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const list = (cidrs ?? "").split(/[\s,]+/).map((c) => c.trim()).filter(Boolean);
      const saved = await api.put<{ cidrs: string[] }>("/security/ip-allowlist", { cidrs: list });
      setCidrs(saved.cidrs.join("\n"));
      toast(saved.cidrs.length ? "Sign-in is limited to these addresses." : "Sign-in is allowed from any address.");
    } catch (err) {
      setError(err as ApiError);
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>Sign-in security</h1>
      </div>
      {loadError && <ErrorBanner error={loadError} onRetry={() => void reload()} />}
      <section aria-labelledby="allowlist-title">
        <h2 id="allowlist-title">IP allow-list</h2>
        {cidrs === null ? <Pending /> : (
          <form onSubmit={save}>
            <FormRow id="allowlist" label="Addresses allowed to sign in" error={error?.errorFor("cidrs") ?? error?.message}
              hint="One address block per line, such as 203.0.113.0/24 or 2001:db8::/32. Empty: any address. Your own address must be in the list.">
              <textarea id="allowlist" className="input mono" rows={4} value={cidrs} onChange={(e) => setCidrs(e.target.value)} />
            </FormRow>
            <div className="form-actions">
              <button type="submit" className="button primary">Save allow-list</button>
            </div>
          </form>
        )}
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">Sign-in history</h2>
        {!events ? <Pending /> : events.length === 0 ? <p className="muted">No sign-ins yet.</p> : (
          <div className="table-scroll">
            <table className="table">
              <thead><tr><th scope="col">When</th><th scope="col">Email</th><th scope="col">Result</th><th scope="col">Address</th><th scope="col">Browser</th></tr></thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td>{new Date(e.occurred_at).toLocaleString()}</td>
                    <td>{e.email}</td>
                    <td><span className={e.result === "succeeded" ? "badge" : "badge danger"}>{e.result.replace(/_/g, " ")}</span></td>
                    <td className="mono">{e.ip}</td>
                    <td title={e.user_agent}>{browserOf(e.user_agent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
