// Sign-in: email and password, then the authenticator code when the account has
// two-factor sign-in. The server answers every bad credential the same way.
import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useSession } from "../app/session";
import { FormRow } from "../components/ui";

// Where to go after signing in: a path on this origin only (never another site, however
// the `next` parameter is spelled).
export function sameOriginPath(next: string | null): string {
  if (!next) return "/";
  try {
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : "/";
  } catch {
    return "/";
  }
}

// /login once signed in: on to where the user was going.
export function AfterSignIn() {
  const [params] = useSearchParams();
  return <Navigate to={sameOriginPath(params.get("next"))} replace />;
}

export function LoginPage() {
  const { login, expired } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [workspace, setWorkspace] = useState("");
  const [needsWorkspace, setNeedsWorkspace] = useState(false);
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Signed in, the app itself leaves /login for ?next= (App.tsx, AfterSignIn).
      await login(email, password, needsCode ? code : undefined, workspace || undefined);
    } catch (err) {
      if (err instanceof ApiError && /tenant/i.test(err.message) && !needsWorkspace) {
        setNeedsWorkspace(true);
        setError("This server has several workspaces: enter yours.");
      } else if (err instanceof ApiError && err.fieldErrors.some((f) => f.field === "code")) {
        if (needsCode) setError(err.message);
        setNeedsCode(true);
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <img src="/icon.svg" alt="" width="48" height="48" />
        <h1 id="login-title">Sign in to Rapport</h1>
        {expired && !error && <p className="banner info" role="status">Your session has ended. Sign in again to continue.</p>}
        {error && <p className="banner error" role="alert">{error}</p>}
        {!needsCode ? (
          <>
            <FormRow id="email" label="Email">
              <input id="email" className="input" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
            </FormRow>
            <FormRow id="password" label="Password">
              <input id="password" className="input" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </FormRow>
            {needsWorkspace && (
              <FormRow id="workspace" label="Workspace">
                <input id="workspace" className="input" autoComplete="organization" required value={workspace} onChange={(e) => setWorkspace(e.target.value)} />
              </FormRow>
            )}
          </>
        ) : (
          <FormRow id="code" label="Authentication code" hint="The 6-digit code from your authenticator app, or a recovery code.">
            <input id="code" className="input" inputMode="numeric" autoComplete="one-time-code" required autoFocus value={code} onChange={(e) => setCode(e.target.value)} aria-describedby="code-error" />
          </FormRow>
        )}
        <button className="button primary wide" type="submit" disabled={busy}>
          {busy ? "Signing in…" : needsCode ? "Verify" : "Sign in"}
        </button>
        <details className="login-help">
          <summary>Forgot your password, or first time here?</summary>
          <p>
            Ask an administrator of your workspace for a reset link; it signs you in and lets you choose a new password.
            On a new installation, the administrator's email and password were printed once by <code>make run</code> (or <code>rapport init</code>).
          </p>
        </details>
      </form>
    </main>
  );
}
