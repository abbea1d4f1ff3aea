// Small building blocks shared by the pages.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";

// Shown only when the wait passes 300 ms, so fast answers never flash a spinner.
export function Pending({ label = "Loading", inline = false }: { label?: string; inline?: boolean }) {
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setVisible(true), 300);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className={inline ? "pending inline" : "pending"} role="status" aria-live="polite">
      {visible && <><span className="spinner" aria-hidden="true" /><span className="sr-only">{label}</span></>}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function ErrorBanner({ error, onRetry }: { error: string; onRetry?: () => void }) {
  return (
    <div className="banner error" role="alert">
      <span>{error}</span>
      {onRetry && <button className="button small" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export interface Crumb {
  label: string;
  to?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, i) => (
          <li key={i}>
            {item.to && i < items.length - 1 ? <Link to={item.to}>{item.label}</Link> : <span aria-current={i === items.length - 1 ? "page" : undefined}>{item.label}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

// A modal built on <dialog>: focus is trapped and Escape closes it, natively.
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={wide ? "modal wide" : "modal"}
      aria-labelledby="modal-title"
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      onClick={(e) => { if (e.target === ref.current) onClose(); }}
    >
      <div className="modal-head">
        <h2 id="modal-title">{title}</h2>
        <button className="icon-button" aria-label="Close" onClick={onClose}>×</button>
      </div>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}

// The state of a form sent to the server: `submit` runs `action` (the form's default
// is prevented), `busy` while it runs, `error` the server's problem (any other failure
// as one) until the next success.
export function useSubmit(action: () => Promise<void>): { submit: (e: FormEvent) => Promise<void>; busy: boolean; error: ApiError | null } {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await action();
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}

// The message of a problem that names none of a form's `fields` (those show beside
// their controls); null otherwise.
export function unnamedError(error: ApiError | null, fields: string[]): string | null {
  return error && !fields.some((f) => error.errorFor(f)) ? error.message : null;
}

// A dialog holding one form. Submitting runs `onSubmit`; if it throws, the server's
// problem shows above the fields and `children` gets it to put each field's message
// beside that field (error?.errorFor("name")). The dialog's owner closes it on success.
export function FormDialog({ title, submitLabel, onClose, onSubmit, wide, children }: {
  title: string;
  submitLabel: string;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  wide?: boolean;
  children: (error: ApiError | null) => ReactNode;
}) {
  const { submit, busy, error } = useSubmit(onSubmit);
  return (
    <Modal title={title} onClose={onClose} wide={wide}>
      <form onSubmit={submit}>
        {error && <p className="banner error" role="alert">{error.message}</p>}
        {children(error)}
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="button primary" disabled={busy}>{submitLabel}</button>
        </div>
      </form>
    </Modal>
  );
}

// Form row: label, control, the client's or the server's message for this field.
export function FormRow({ id, label, required, error, hint, children }: {
  id: string; label: string; required?: boolean; error?: string | null; hint?: string; children: ReactNode;
}) {
  return (
    <div className={error ? "form-row invalid" : "form-row"}>
      <div className="label-line">
        <label htmlFor={id} id={`${id}-label`}>{label}</label>
        {required && <span className="required" aria-hidden="true">*</span>}
      </div>
      {children}
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">{error}</p>
      ) : hint ? (
        <p className="hint" id={`${id}-error`}>{hint}</p>
      ) : null}
    </div>
  );
}
