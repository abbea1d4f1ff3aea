// The create form of any object, generated from its metadata: one input per field
// type, required markers, the client's checks as you leave a field, and on submit the
// server's problem+json shown on each field it names.
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import type { FieldValue, ObjectMeta, RecordData } from "../api/types";
import { editableFields, sectionsOf } from "../app/metadata";
import { toApiValue, validate } from "../fields/format";
import { FieldInput, toInputValue } from "../fields/registry";
import { FormRow } from "./ui";

interface Props {
  meta: ObjectMeta;
  initial?: Record<string, FieldValue>;
  submitLabel: string;
  onSubmit: (values: Record<string, FieldValue>) => Promise<RecordData>;
  onCancel: () => void;
}

export function RecordForm({ meta, initial = {}, submitLabel, onSubmit, onCancel }: Props) {
  const editable = new Set(editableFields(meta).map((f) => f.name));
  const [values, setValues] = useState<Record<string, FieldValue>>(() => {
    const start: Record<string, FieldValue> = {};
    for (const f of meta.fields) if (editable.has(f.name) && initial[f.name] !== undefined) start[f.name] = toInputValue(f, initial[f.name]);
    return start;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sections = sectionsOf(meta)
    .map((s) => ({ ...s, fields: s.fields.filter((f) => editable.has(f.name)) }))
    .filter((s) => s.fields.length > 0);
  const fields = sections.flatMap((s) => s.fields);

  const check = (name: string, value: FieldValue) => {
    const field = meta.fields.find((f) => f.name === name)!;
    const problem = validate(field, value);
    setErrors((e) => {
      const next = { ...e };
      if (problem) next[name] = problem;
      else delete next[name];
      return next;
    });
    return problem;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    for (const f of fields) {
      const problem = validate(f, values[f.name]);
      if (problem) found[f.name] = problem;
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFormError(`${Object.keys(found).length === 1 ? "One field needs" : `${Object.keys(found).length} fields need`} attention.`);
      document.getElementById(`new-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    const body: Record<string, FieldValue> = {};
    for (const f of fields) {
      if (values[f.name] !== undefined) body[f.name] = toApiValue(f, values[f.name]);
    }
    setBusy(true);
    setFormError(null);
    try {
      await onSubmit(body);
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length > 0) {
        const server: Record<string, string> = {};
        for (const fe of err.fieldErrors) server[fe.field] = fe.message;
        setErrors(server);
        setFormError(err.message);
        document.getElementById(`new-${err.fieldErrors[0].field}`)?.focus();
      } else {
        setFormError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="record-form" onSubmit={submit} noValidate>
      {formError && <p className="banner error" role="alert">{formError}</p>}
      {sections.map((section) => (
        <fieldset key={section.title} className="panel">
          <legend>{section.title}</legend>
          <div className="form-grid">
            {section.fields.map((f) => {
              const id = `new-${f.name}`;
              return (
                <div key={f.name} className={f.type === "long_text" || f.type === "multi_picklist" ? "span-2" : undefined}>
                  <FormRow id={id} label={f.label} required={f.required} error={errors[f.name]}>
                    <FieldInput
                      field={f}
                      id={id}
                      value={values[f.name] ?? null}
                      invalid={!!errors[f.name]}
                      describedBy={errors[f.name] ? `${id}-error` : undefined}
                      onChange={(v) => {
                        setValues((current) => ({ ...current, [f.name]: v }));
                        if (errors[f.name]) check(f.name, v);
                      }}
                    />
                  </FormRow>
                </div>
              );
            })}
          </div>
        </fieldset>
      ))}
      <div className="form-actions sticky">
        <button type="button" className="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="button primary" disabled={busy}>{busy ? "Saving…" : submitLabel}</button>
      </div>
    </form>
  );
}
