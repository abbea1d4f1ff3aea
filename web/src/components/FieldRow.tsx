// One field on a record page: its value, and in place an input to change it. Saves are
// conditional on the version shown; the server's message for the field appears under it.
import { useRef, useState } from "react";
import { ApiError } from "../api/client";
import type { FieldMeta, FieldValue, RecordData } from "../api/types";
import { FieldDisplay, FieldInput } from "../fields/registry";
import { useInlineEdit } from "../fields/useInlineEdit";

interface Props {
  field: FieldMeta;
  record: RecordData;
  save: (changes: Record<string, FieldValue>) => Promise<void>;
}

export function FieldRow({ field, record, save }: Props) {
  const [busy, setBusy] = useState(false);
  const id = `field-${field.name}`;
  const editable = !field.read_only;
  // After a save or a cancel, the keyboard carries on from the field's edit button.
  const editButton = useRef<HTMLButtonElement>(null);
  const edit = useInlineEdit(field, record[field.name] as FieldValue, editButton);
  const { editing, draft, setDraft, error, start, stop } = edit;

  const commit = async () => {
    const value = edit.checked(draft);
    if (value === undefined) return;
    setBusy(true);
    try {
      await save({ [field.name]: value });
      stop();
    } catch (e) {
      // A 412 is handled by the page (it reloads the record and says so).
      if (e instanceof ApiError && e.status !== 412) edit.failed(e);
      else stop();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={editing ? "field-row editing" : "field-row"}>
      <dt>
        {editing ? <label htmlFor={id}>{field.label}</label> : field.label}
        {field.required && editing && <span className="required" aria-hidden="true"> *</span>}
      </dt>
      <dd>
        {editing ? (
          <form
            className="inline-form"
            onSubmit={(e) => { e.preventDefault(); void commit(); }}
            onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); stop(); } }}
          >
            <FieldInput field={field} value={draft} onChange={setDraft} id={id} autoFocus invalid={!!error} describedBy={error ? `${id}-error` : undefined} />
            <div className="inline-actions">
              <button type="submit" className="button small primary" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
              <button type="button" className="button small" onClick={stop}>Cancel</button>
            </div>
            {error && <p className="field-error" id={`${id}-error`} role="alert">{error}</p>}
          </form>
        ) : editable ? (
          <div className="value editable" onClick={(e) => { if (!(e.target as HTMLElement).closest("a")) start(); }}>
            <FieldDisplay field={field} value={record[field.name] as FieldValue} />
            <button ref={editButton} className="icon-button edit-button" aria-label={`Edit ${field.label}`} onClick={(e) => { e.stopPropagation(); start(); }}>
              ✎
            </button>
          </div>
        ) : (
          <span className="value"><FieldDisplay field={field} value={record[field.name] as FieldValue} /></span>
        )}
      </dd>
    </div>
  );
}
