// /accept?token=: an invitation or a password reset link. Choosing a password signs in.
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { ApiError, request } from "../api/client";
import type { Session } from "../api/types";
import { forgetUserData, useSession } from "../app/session";
import { FormRow } from "../components/ui";

export function AcceptPage() {
  const [params] = useSearchParams();
  const { reload } = useSession();
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      forgetUserData();
      await request<Session>("POST", "/auth/accept", {
        body: { token: params.get("token") ?? "", password, ...(needsCode ? { code } : {}) },
        expectUnauthorised: true,
      });
      await reload();
      navigate("/", { replace: true });
    } catch (err) {
      const apiError = err as ApiError;
      if (apiError.fieldErrors?.some((f) => f.field === "code")) setNeedsCode(true);
      setError(apiError);
    }
  };
  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-labelledby="accept-title">
        <img src="/icon.svg" alt="" width="48" height="48" />
        <h1 id="accept-title">Choose your password</h1>
        {error && !error.errorFor("password") && <p className="banner error" role="alert">{error.message}</p>}
        <FormRow id="accept-password" label="New password" error={error?.errorFor("password")} hint="At least 12 characters; a passphrase is best.">
          <input id="accept-password" className="input" type="password" autoComplete="new-password" required autoFocus value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="accept-password-error" />
        </FormRow>
        {needsCode && (
          <FormRow id="accept-code" label="Authentication code">
            <input id="accept-code" className="input" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
          </FormRow>
        )}
        <button className="button primary wide" type="submit">Continue</button>
      </form>
    </main>
  );
}
