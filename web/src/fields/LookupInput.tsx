// A lookup field's input: a combobox that searches the target object as you type
// (ARIA 1.2 combobox + listbox; arrows, Enter, Escape).
import { useEffect, useId, useRef, useState } from "react";
import { api, query } from "../api/client";
import type { ListPage, RecordData } from "../api/types";
import { useMetadata } from "../app/metadata";
import { titleFilter } from "../filter/expression";
import { recordTitle, titleFields, titles, useTitle } from "../lib/titles";
import type { InputProps } from "./registry";

export function LookupInput(props: InputProps) {
  const { object } = useMetadata();
  const target = props.field.target ? object(props.field.target) : undefined;
  const id = typeof props.value === "string" && props.value ? props.value : null;
  const title = useTitle(props.field.target, id);
  const [text, setText] = useState<string | null>(null); // null: not editing
  const [results, setResults] = useState<RecordData[]>([]);
  const [active, setActive] = useState(0);
  const [loading, setLoading] = useState(false);
  const listId = useId();
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    if (text === null || !target) return;
    const timer = setTimeout(async () => {
      abort.current?.abort();
      const controller = (abort.current = new AbortController());
      setLoading(true);
      try {
        const fields = titleFields(target);
        const filter = titleFilter(fields, text);
        const page = await api.get<ListPage>(
          `/objects/${target.name}${query({ filter, sort: fields[fields.length - 1], limit: 8, fields: fields.join(",") })}`,
          controller.signal,
        );
        setResults(page.data);
        setActive(0);
      } catch (e) {
        if ((e as Error).name !== "AbortError") setResults([]);
      } finally {
        setLoading(false);
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [text, target]);

  const choose = (record: RecordData | null) => {
    if (record && target) titles.remember(target.name, record);
    props.onChange(record ? record.id : null);
    setText(null);
  };

  const open = text !== null && (results.length > 0 || loading);
  return (
    <div className="lookup">
      <input
        id={props.id}
        className="input"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && results[active] ? `${listId}-${active}` : undefined}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        aria-required={props.field.required || undefined}
        autoFocus={props.autoFocus}
        disabled={props.field.read_only}
        autoComplete="off"
        placeholder={target ? `Search ${target.label_plural.toLowerCase()}…` : ""}
        value={text ?? (title || "")}
        onFocus={() => setText(text ?? "")}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => setTimeout(() => setText(null), 150)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") { e.preventDefault(); setActive((a) => Math.min(a + 1, results.length - 1)); }
          else if (e.key === "ArrowUp") { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
          // The choice is this input's business: an inline edit around it must not also
          // commit (Enter) or a dialog around it close (Escape).
          else if (e.key === "Enter" && open && results[active]) { e.preventDefault(); e.stopPropagation(); choose(results[active]); }
          else if (e.key === "Escape" && text !== null) { e.preventDefault(); e.stopPropagation(); setText(null); }
        }}
      />
      {id && !props.field.read_only && (
        <button type="button" className="icon-button lookup-clear" aria-label={`Clear ${props.field.label}`} onClick={() => choose(null)}>
          ×
        </button>
      )}
      {open && (
        <ul className="menu" role="listbox" id={listId} aria-label={`${props.field.label} results`}>
          {loading && results.length === 0 && <li className="menu-note">Searching…</li>}
          {results.map((r, i) => (
            <li
              key={r.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "menu-item active" : "menu-item"}
              onMouseDown={(e) => { e.preventDefault(); choose(r); }}
            >
              {recordTitle(target, r)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
