// Choose and order a list's columns: tick to show, move up or down with buttons (so
// the keyboard can do everything a drag could).
import type { FieldMeta } from "../api/types";
import { Modal } from "./ui";

interface Props {
  fields: FieldMeta[];
  chosen: string[];
  onChange: (names: string[]) => void;
  onReset: () => void;
  onClose: () => void;
}

export function ColumnChooser({ fields, chosen, onChange, onReset, onClose }: Props) {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const shown = chosen.filter((n) => byName.has(n));
  const others = fields.filter((f) => !shown.includes(f.name));
  const move = (i: number, by: number) => {
    const next = [...shown];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item);
    onChange(next);
  };
  return (
    <Modal title="Columns" onClose={onClose}>
      <p className="muted">The first column links to the record. Your choice is kept for this list.</p>
      <ol className="column-list" aria-label="Shown columns">
        {shown.map((name, i) => (
          <li key={name}>
            <label className="check">
              <input type="checkbox" checked disabled={shown.length === 1} onChange={() => onChange(shown.filter((n) => n !== name))} />
              {byName.get(name)!.label}
            </label>
            <span className="spacer" />
            <button className="icon-button" aria-label={`Move ${byName.get(name)!.label} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
            <button className="icon-button" aria-label={`Move ${byName.get(name)!.label} down`} disabled={i === shown.length - 1} onClick={() => move(i, 1)}>↓</button>
          </li>
        ))}
      </ol>
      <ul className="column-list" aria-label="Hidden columns">
        {others.map((f) => (
          <li key={f.name}>
            <label className="check">
              <input type="checkbox" checked={false} onChange={() => onChange([...shown, f.name])} />
              {f.label}
            </label>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <button className="button" onClick={onReset}>Reset to default</button>
        <button className="button primary" onClick={onClose}>Done</button>
      </div>
    </Modal>
  );
}
