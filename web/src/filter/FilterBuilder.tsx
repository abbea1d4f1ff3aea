// The filter builder: rows of field / operator / value joined by "all" or "any", or a
// text box for the full expression language. Both edit the same text, which is what
// the URL and saved views keep.
import { useState } from "react";
import type { FieldMeta } from "../api/types";
import { needsValue, operatorLabels, operatorsFor, parseExpression, toExpression, type Condition, type FilterModel } from "./expression";
import { toLocalInput } from "../fields/registry";

interface Props {
  fields: FieldMeta[];
  value: string;
  error?: string | null;
  onApply: (expression: string) => void;
  onClose: () => void;
}

// The conditions of an expression the rows can show: only fields of this object (a
// relation path like company.city, or anything richer, stays text).
function rowsFor(text: string, fields: FieldMeta[]): FilterModel | null {
  const model = parseExpression(text);
  if (!model || !model.conditions.every((c) => fields.some((f) => f.name === c.field))) return null;
  return model;
}

export function FilterBuilder({ fields, value, error, onApply, onClose }: Props) {
  const parsed = rowsFor(value, fields);
  const [textMode, setTextMode] = useState(parsed === null);
  const [model, setModel] = useState<FilterModel>(parsed ?? { join: "and", conditions: [] });
  const [text, setText] = useState(value);
  const filterable = fields.filter((f) => f.type !== "id");

  const update = (next: FilterModel) => {
    setModel(next);
    setText(toExpression(next, fields));
  };
  const setCondition = (i: number, change: Partial<Condition>) =>
    update({ ...model, conditions: model.conditions.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  const addCondition = () => {
    const field = filterable.find((f) => f.type === "text") ?? filterable[0];
    update({ ...model, conditions: [...model.conditions, { field: field.name, op: operatorsFor(field)[0], value: "" }] });
  };

  const switchMode = () => {
    if (textMode) {
      const back = rowsFor(text, fields);
      if (!back) return; // too rich for rows; the button is disabled then
      setModel(back);
    }
    setTextMode(!textMode);
  };

  const apply = () => onApply(textMode ? text.trim() : toExpression(model, fields));
  const canShowRows = !textMode || rowsFor(text, fields) !== null;

  return (
    <section className="filter-panel" aria-label="Filter">
      {textMode ? (
        <div className="form-row">
          <label htmlFor="filter-text">Filter expression</label>
          <textarea
            id="filter-text"
            className="input mono"
            rows={3}
            value={text}
            spellCheck={false}
            placeholder={'amount >= 1000 and stage in ("proposal", "negotiation")'}
            aria-describedby="filter-error"
            aria-invalid={error ? true : undefined}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) apply(); }}
          />
        </div>
      ) : (
        <div className="conditions">
          {model.conditions.length > 1 && (
            <div className="join">
              Match
              <select className="input small" aria-label="Match all or any" value={model.join} onChange={(e) => update({ ...model, join: e.target.value as "and" | "or" })}>
                <option value="and">all</option>
                <option value="or">any</option>
              </select>
              of these conditions
            </div>
          )}
          {model.conditions.length === 0 && <p className="muted">No conditions: every record is shown.</p>}
          {model.conditions.map((c, i) => {
            const field = fields.find((f) => f.name === c.field);
            const ops = field ? operatorsFor(field) : (Object.keys(operatorLabels) as (keyof typeof operatorLabels)[]);
            return (
              <div className="condition" key={i}>
                <select
                  className="input"
                  aria-label={`Condition ${i + 1} field`}
                  value={c.field}
                  onChange={(e) => {
                    const f = fields.find((x) => x.name === e.target.value)!;
                    setCondition(i, { field: f.name, op: operatorsFor(f)[0], value: "" });
                  }}
                >
                  {filterable.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
                </select>
                <select className="input" aria-label={`Condition ${i + 1} operator`} value={c.op} onChange={(e) => setCondition(i, { op: e.target.value as Condition["op"] })}>
                  {ops.map((op) => <option key={op} value={op}>{operatorLabels[op]}</option>)}
                </select>
                {needsValue(c.op) && <ValueInput field={field} condition={c} index={i} onChange={(v) => setCondition(i, { value: v })} />}
                <button className="icon-button" aria-label={`Remove condition ${i + 1}`} onClick={() => update({ ...model, conditions: model.conditions.filter((_, j) => j !== i) })}>×</button>
              </div>
            );
          })}
          <button className="button small" onClick={addCondition}>+ Add condition</button>
        </div>
      )}
      {error && <p className="field-error" id="filter-error" role="alert">{error}</p>}
      <div className="filter-actions">
        <button className="link-button" onClick={switchMode} disabled={!canShowRows}>
          {textMode ? "Edit as conditions" : "Edit as text"}
        </button>
        <span className="spacer" />
        <button className="button" onClick={onClose}>Close</button>
        <button className="button" onClick={() => { update({ join: "and", conditions: [] }); onApply(""); }}>Clear</button>
        <button className="button primary" onClick={apply}>Apply</button>
      </div>
    </section>
  );
}

function ValueInput({ field, condition, index, onChange }: { field?: FieldMeta; condition: Condition; index: number; onChange: (v: string) => void }) {
  const label = `Condition ${index + 1} value`;
  if (field?.type === "picklist" && (condition.op === "=" || condition.op === "!=")) {
    return (
      <select className="input" aria-label={label} value={condition.value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose…</option>
        {field.options?.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    );
  }
  if (field?.type === "boolean") {
    return (
      <select className="input" aria-label={label} value={condition.value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose…</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    );
  }
  if (field?.type === "datetime") {
    // The browser's local time, sent as the instant it names (UTC).
    return (
      <input
        className="input"
        type="datetime-local"
        aria-label={label}
        value={condition.value ? toLocalInput(condition.value) : ""}
        onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : "")}
      />
    );
  }
  const type = field?.type === "date" ? "date" : "text";
  const hint = condition.op === "in" || condition.op === "not in" ? "comma-separated" : field?.name === "owner_id" ? "me() or an id" : "";
  return <input className="input" type={type} aria-label={label} placeholder={hint} value={condition.value} onChange={(e) => onChange(e.target.value)} />;
}
