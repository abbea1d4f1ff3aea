// Objects and fields: create custom objects, add fields of any type (picklist values,
// lookups, required, unique), rename and remove custom ones. Every change is live for
// the API, lists, forms and search as soon as it is saved.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import type { FieldMeta, FieldType, ObjectMeta } from "../../api/types";
import { businessFields, navigationObjects, useMetadata } from "../../app/metadata";
import { useToast } from "../../components/toast";
import { FormDialog, FormRow } from "../../components/ui";
import { NotFound } from "../NotFound";

const TYPES: [FieldType, string][] = [
  ["text", "Text"], ["long_text", "Long text"], ["email", "Email"], ["phone", "Phone"], ["url", "Link"],
  ["integer", "Whole number"], ["decimal", "Decimal"], ["percent", "Percent"], ["currency", "Currency"],
  ["boolean", "Checkbox"], ["date", "Date"], ["datetime", "Date and time"], ["picklist", "Picklist"],
  ["multi_picklist", "Multi-select picklist"], ["lookup", "Lookup to another object"],
];

export function apiName(label: string): string {
  return label.trim().toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").replace(/^(\d)/, "f_$1").slice(0, 60);
}

export function ObjectsPage() {
  const { objects } = useMetadata();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <div className="page-head">
        <h1>Objects and fields</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setCreating(true)}>New custom object</button>
      </div>
      <ul className="settings-list">
        {navigationObjects(objects).map((o) => (
          <li key={o.name}>
            <Link to={`/settings/objects/${o.name}`}>{o.label_plural}</Link>
            <span className="muted">{o.name} · {o.fields.filter((f) => f.custom).length} custom fields{o.custom ? " · custom object" : ""}</span>
          </li>
        ))}
      </ul>
      {creating && <NewObjectDialog onClose={() => setCreating(false)} />}
    </>
  );
}

function NewObjectDialog({ onClose }: { onClose: () => void }) {
  const { refresh } = useMetadata();
  const toast = useToast();
  const [label, setLabel] = useState("");
  const [plural, setPlural] = useState("");
  const submit = async () => {
    const name = apiName(plural || `${label}s`);
    await api.post("/metadata/objects", {
      name, label: label.trim(), label_plural: (plural || `${label}s`).trim(),
      fields: [{ name: "name", label: "Name", type: "text", required: true }],
    });
    await refresh();
    toast(`${label} created. Add its fields next.`);
    onClose();
  };
  return (
    <FormDialog title="New custom object" submitLabel="Create" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
        <FormRow id="object-label" label="Singular label" required error={error?.errorFor("label")}>
          <input id="object-label" className="input" required autoFocus placeholder="Project" value={label} onChange={(e) => setLabel(e.target.value)} />
        </FormRow>
        <FormRow id="object-plural" label="Plural label" error={error?.errorFor("label_plural") ?? error?.errorFor("name")} hint={`API name: ${apiName(plural || (label ? `${label}s` : "")) || "…"}`}>
          <input id="object-plural" className="input" placeholder={label ? `${label}s` : "Projects"} value={plural} onChange={(e) => setPlural(e.target.value)} />
        </FormRow>
        </>
      )}
    </FormDialog>
  );
}

export function ObjectFieldsPage() {
  const { object: name = "" } = useParams();
  const { object } = useMetadata();
  const meta = object(name);
  const [adding, setAdding] = useState(false);
  if (!meta) return <NotFound what="object" />;
  return (
    <>
      <div className="page-head">
        <h1>{meta.label_plural}: fields</h1>
        <span className="spacer" />
        <button className="button primary" onClick={() => setAdding(true)}>Add field</button>
      </div>
      <table className="table">
        <thead><tr><th scope="col">Label</th><th scope="col">API name</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Unique</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {businessFields(meta).map((f) => (
            <tr key={f.name}>
              <td>{f.label}</td>
              <td><code>{f.name}</code></td>
              <td>{TYPES.find(([t]) => t === f.type)?.[1] ?? f.type}{f.target ? ` → ${f.target}` : ""}{f.options ? ` (${f.options.length})` : ""}</td>
              <td>{f.required ? "Yes" : ""}</td>
              <td>{f.unique ? "Yes" : ""}</td>
              <td className="actions">{f.custom && <FieldActions meta={meta} field={f} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {adding && <NewFieldDialog meta={meta} onClose={() => setAdding(false)} />}
    </>
  );
}

function FieldActions({ meta, field }: { meta: ObjectMeta; field: FieldMeta }) {
  const { refresh } = useMetadata();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const remove = async () => {
    if (!window.confirm(`Remove the field “${field.label}”? Its values are kept in the database but no longer shown.`)) return;
    try {
      await api.delete(`/metadata/objects/${meta.name}/fields/${field.name}`);
      await refresh();
      toast("Field removed.");
    } catch (e) {
      toast((e as Error).message, { tone: "error" });
    }
  };
  return (
    <>
      <button className="button small" onClick={() => setEditing(true)} aria-label={`Edit field ${field.label}`}>Edit</button>
      <button className="button small danger" onClick={() => void remove()} aria-label={`Remove field ${field.label}`}>Remove</button>
      {editing && <EditFieldDialog meta={meta} field={field} onClose={() => setEditing(false)} />}
    </>
  );
}

// The options after an edit of their labels, one per line. A line naming an existing
// option (by label or value) keeps it; a changed line in an existing option's place is
// that option renamed (its stored value stays, so records keep it); others are new.
export function editedOptions(old: { value: string; label: string }[], lines: string[]): { value: string; label: string }[] {
  const labels = lines.map((l) => l.trim()).filter(Boolean);
  const kept = labels.map((l) => old.find((o) => o.label === l || o.value === l));
  const used = new Set(kept.filter(Boolean).map((o) => o!.value));
  return labels.map((label, i) => {
    if (kept[i]) return { value: kept[i]!.value, label };
    const renamed = old[i] && !used.has(old[i].value) ? old[i] : undefined;
    if (renamed) used.add(renamed.value);
    return { value: renamed?.value ?? apiName(label), label };
  });
}

// A custom field's label, whether it is required, and its picklist values.
function EditFieldDialog({ meta, field, onClose }: { meta: ObjectMeta; field: FieldMeta; onClose: () => void }) {
  const { refresh } = useMetadata();
  const toast = useToast();
  const [label, setLabel] = useState(field.label);
  const [required, setRequired] = useState(field.required);
  const [options, setOptions] = useState((field.options ?? []).map((o) => o.label).join("\n"));
  const picklist = field.type === "picklist" || field.type === "multi_picklist";
  const submit = async () => {
    const body: Record<string, unknown> = { label: label.trim(), required };
    if (picklist) body.options = editedOptions(field.options ?? [], options.split("\n"));
    await api.patch(`/metadata/objects/${meta.name}/fields/${field.name}`, body);
    await refresh();
    toast(`Field “${label}” saved.`);
    onClose();
  };
  return (
    <FormDialog title={`Edit field ${field.label}`} submitLabel="Save" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
        <FormRow id="edit-field-label" label="Label" required error={error?.errorFor("label")}>
          <input id="edit-field-label" className="input" required autoFocus value={label} onChange={(e) => setLabel(e.target.value)} />
        </FormRow>
        {picklist && (
          <FormRow id="edit-field-options" label="Values, one per line" error={error?.errorFor("options")}>
            <textarea id="edit-field-options" className="input" rows={6} value={options} onChange={(e) => setOptions(e.target.value)} />
          </FormRow>
        )}
        <label className="check"><input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required</label>
        </>
      )}
    </FormDialog>
  );
}

function NewFieldDialog({ meta, onClose }: { meta: ObjectMeta; onClose: () => void }) {
  const { objects, refresh } = useMetadata();
  const toast = useToast();
  const [label, setLabel] = useState("");
  const [type, setType] = useState<FieldType>("text");
  const [required, setRequired] = useState(false);
  const [unique, setUnique] = useState(false);
  const [options, setOptions] = useState("");
  const [target, setTarget] = useState(objects[0]?.name ?? "");
  const submit = async () => {
    // A lookup's api name ends in _id (company_id), as the server requires.
    const name = type === "lookup" ? `${apiName(label).replace(/_id$/, "")}_id` : apiName(label);
    const body: Record<string, unknown> = { name, label: label.trim(), type, required, unique };
    if (type === "picklist" || type === "multi_picklist") {
      body.options = options.split("\n").map((o) => o.trim()).filter(Boolean).map((o) => ({ value: apiName(o), label: o }));
    }
    if (type === "lookup") body.target = target;
    await api.post(`/metadata/objects/${meta.name}/fields`, body);
    await refresh();
    toast(`Field “${label}” added to ${meta.label_plural.toLowerCase()}.`);
    onClose();
  };
  return (
    <FormDialog title={`New field on ${meta.label_plural.toLowerCase()}`} submitLabel="Add field" onClose={onClose} onSubmit={submit}>
      {(error) => (
        <>
        <FormRow id="field-label" label="Label" required error={error?.errorFor("label") ?? error?.errorFor("name")} hint={label ? `API name: ${type === "lookup" ? `${apiName(label).replace(/_id$/, "")}_id` : apiName(label)}` : undefined}>
          <input id="field-label" className="input" required autoFocus value={label} onChange={(e) => setLabel(e.target.value)} aria-describedby="field-label-error" />
        </FormRow>
        <FormRow id="field-type" label="Type">
          <select id="field-type" className="input" value={type} onChange={(e) => setType(e.target.value as FieldType)}>
            {TYPES.map(([t, l]) => <option key={t} value={t}>{l}</option>)}
          </select>
        </FormRow>
        {(type === "picklist" || type === "multi_picklist") && (
          <FormRow id="field-options" label="Values, one per line" required error={error?.errorFor("options")}>
            <textarea id="field-options" className="input" rows={5} value={options} onChange={(e) => setOptions(e.target.value)} />
          </FormRow>
        )}
        {type === "lookup" && (
          <FormRow id="field-target" label="Looks up" error={error?.errorFor("target")}>
            <select id="field-target" className="input" value={target} onChange={(e) => setTarget(e.target.value)}>
              {navigationObjects(objects).map((o) => <option key={o.name} value={o.name}>{o.label_plural}</option>)}
            </select>
          </FormRow>
        )}
        <label className="check"><input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required</label>
        <label className="check"><input type="checkbox" checked={unique} onChange={(e) => setUnique(e.target.checked)} /> Unique</label>
        </>
      )}
    </FormDialog>
  );
}
