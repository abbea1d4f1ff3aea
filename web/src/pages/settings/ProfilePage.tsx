// The user's own account: password change and two-factor sign-in (TOTP with a QR
// code, recovery codes shown once). MfaEnrolPage is also the whole app for a user
// whose role requires two-factor sign-in until they enrol.
import { useState, type FormEvent } from "react";
import { ApiError, api } from "../../api/client";
import { useSession, useSignedIn } from "../../app/session";
import { useToast } from "../../components/toast";
import { FormRow } from "../../components/ui";

export function ProfilePage() {
  const me = useSignedIn();
  return (
    <>
      <h1>Profile and security</h1>
      <section className="panel">
        <h2>You</h2>
        <dl className="fields">
          <div className="field-row"><dt>Name</dt><dd>{me.name}</dd></div>
          <div className="field-row"><dt>Email</dt><dd>{me.email}</dd></div>
          <div className="field-row"><dt>Role</dt><dd>{me.is_admin ? "Administrator" : "Member"}</dd></div>
        </dl>
      </section>
      <PasswordForm />
      <MfaSection />
    </>
  );
}

function PasswordForm() {
  const toast = useToast();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post("/auth/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setError(null);
      toast("Password changed. Your other sessions were signed out.");
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      {error && !error.fieldErrors.length && <p className="banner error" role="alert">{error.message}</p>}
      <FormRow id="current-password" label="Current password" error={error?.errorFor("current_password")}>
        <input id="current-password" className="input" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
      </FormRow>
      <FormRow id="new-password" label="New password" error={error?.errorFor("new_password")} hint="At least 12 characters; a passphrase is best.">
        <input id="new-password" className="input" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} aria-describedby="new-password-error" />
      </FormRow>
      <button className="button primary" type="submit">Change password</button>
    </form>
  );
}

function MfaSection() {
  return (
    <section className="panel" aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor sign-in</h2>
      <MfaEnrolment />
    </section>
  );
}

function MfaEnrolment({ onDone }: { onDone?: () => void }) {
  const toast = useToast();
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauth_uri: string; qr_svg: string } | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [disabling, setDisabling] = useState(false);

  const start = async () => {
    setError(null);
    try {
      setEnrolment(await api.post("/auth/mfa/enrol"));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const answer = await api.post<{ recovery_codes: string[] }>("/auth/mfa/confirm", { code: code.trim() });
      setRecovery(answer.recovery_codes);
      setEnrolment(null);
      setCode("");
      toast("Two-factor sign-in is on.");
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const disable = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post("/auth/mfa/disable", { code: code.trim() });
      setDisabling(false);
      setCode("");
      toast("Two-factor sign-in is off.");
    } catch (err) {
      setError((err as Error).message);
    }
  };

  if (recovery) {
    return (
      <div>
        <p><strong>Save these recovery codes now.</strong> Each signs you in once if you lose your phone; they are not shown again.</p>
        <ul className="recovery-codes" aria-label="Recovery codes">{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        <button className="button primary" onClick={() => { setRecovery(null); onDone?.(); }}>I have saved them</button>
      </div>
    );
  }
  if (enrolment) {
    return (
      <form onSubmit={confirm} className="mfa-enrol">
        <img className="qr" alt="QR code for your authenticator app" width="200" height="200" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`} />
        <div>
          <p>Scan the code with an authenticator app, or enter this key: <code className="secret">{enrolment.secret}</code></p>
          {error && <p className="banner error" role="alert">{error}</p>}
          <FormRow id="mfa-code" label="Code from the app">
            <input id="mfa-code" className="input" inputMode="numeric" autoComplete="one-time-code" required autoFocus value={code} onChange={(e) => setCode(e.target.value)} />
          </FormRow>
          <button className="button primary" type="submit">Turn on</button>
        </div>
      </form>
    );
  }
  if (disabling) {
    return (
      <form onSubmit={disable}>
        {error && <p className="banner error" role="alert">{error}</p>}
        <FormRow id="mfa-disable-code" label="A current code, to confirm">
          <input id="mfa-disable-code" className="input" inputMode="numeric" autoComplete="one-time-code" required autoFocus value={code} onChange={(e) => setCode(e.target.value)} />
        </FormRow>
        <button className="button danger" type="submit">Turn off</button> <button type="button" className="button" onClick={() => setDisabling(false)}>Cancel</button>
      </form>
    );
  }
  return (
    <div>
      <p>A code from your phone at each sign-in keeps your account safe even if your password leaks.</p>
      {error && <p className="banner error" role="alert">{error}</p>}
      <button className="button primary" onClick={() => void start()}>Set up two-factor sign-in</button>{" "}
      <button className="button" onClick={() => setDisabling(true)}>Turn it off</button>
    </div>
  );
}

export function MfaEnrolPage({ required }: { required?: boolean }) {
  const { reload, logout } = useSession();
  return (
    <main className="login-page">
      <div className="login-card wide">
        <h1>Set up two-factor sign-in</h1>
        {required && <p>Your role requires a second factor. Set it up to continue.</p>}
        <MfaEnrolment onDone={() => void reload()} />
        <button className="link-button" onClick={() => void logout()}>Sign out</button>
      </div>
    </main>
  );
}
