// Ctrl-K: one box to jump anywhere. Commands (open a list, create a record, settings)
// match as you type; records of every searchable object are searched by their title
// through the same list API (and so the same permissions) as everything else.
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { api, query } from "../api/client";
import type { ListPage, ObjectMeta } from "../api/types";
import { navigationObjects, useMetadata } from "../app/metadata";
import { useSession } from "../app/session";
import { titleFilter } from "../filter/expression";
import { recordTitle, titleFields } from "../lib/titles";
import { Modal } from "./ui";

interface Item {
  key: string;
  label: string;
  hint: string;
  run: () => void;
}

const SEARCHED_LIMIT = 5;

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const { objects } = useMetadata();
  const { session, logout } = useSession();
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [records, setRecords] = useState<Item[]>([]);
  const [searching, setSearching] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);

  const go = (path: string) => {
    onClose();
    navigate(path);
  };

  const commands = useMemo<Item[]>(() => {
    const list: Item[] = [];
    for (const o of navigationObjects(objects)) {
      list.push({ key: `list-${o.name}`, label: `Go to ${o.label_plural}`, hint: "List", run: () => go(`/o/${o.name}`) });
      if (o.name !== "users") list.push({ key: `new-${o.name}`, label: `New ${o.label.toLowerCase()}`, hint: "Create", run: () => go(`/o/${o.name}/new`) });
    }
    list.push({ key: "board", label: "Pipeline board", hint: "Board", run: () => go("/o/opportunities/board") });
    list.push({ key: "profile", label: "Profile, password and two-factor sign-in", hint: "Settings", run: () => go("/settings/profile") });
    if (session?.is_admin) list.push({ key: "settings", label: "Settings: objects and fields", hint: "Settings", run: () => go("/settings/objects") });
    list.push({ key: "logout", label: "Sign out", hint: "Account", run: () => { onClose(); void logout().catch(() => undefined); } });
    return list;
    // go/onClose are stable for the palette's life
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [objects, session]);

  const words = text.trim().toLowerCase();
  const matchingCommands = words
    ? commands.filter((c) => words.split(/\s+/).every((w) => c.label.toLowerCase().includes(w)))
    : commands.slice(0, 6);

  useEffect(() => {
    if (words.length < 2) {
      setRecords([]);
      setSearching(false);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setSearching(true);
      const searched = navigationObjects(objects).filter((o) => !["activities"].includes(o.name));
      const pages = await Promise.all(
        searched.map(async (o: ObjectMeta) => {
          const fields = titleFields(o);
          const filter = titleFilter(fields, text);
          try {
            const page = await api.get<ListPage>(`/objects/${o.name}${query({ filter, limit: SEARCHED_LIMIT, fields: fields.join(",") })}`, controller.signal);
            return page.data.map<Item>((r) => ({
              key: `${o.name}/${r.id}`,
              label: recordTitle(o, r),
              hint: o.label,
              run: () => go(`/o/${o.name}/${r.id}`),
            }));
          } catch {
            return [];
          }
        }),
      );
      if (!controller.signal.aborted) {
        setRecords(pages.flat());
        setSearching(false);
      }
    }, 150);
    return () => {
      controller.abort();
      clearTimeout(timer);
      setSearching(false);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [words, objects]);

  const items = [...records, ...matchingCommands];
  useEffect(() => setActive(0), [text, records.length]);

  return (
    <Modal title="Search" onClose={onClose}>
      <div className="palette">
        <input
          ref={input}
          autoFocus
          className="input palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-activedescendant={items[active] ? `${listId}-${active}` : undefined}
          aria-label="Search records and commands"
          placeholder="Search records, or type a command…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") { e.preventDefault(); setActive((a) => Math.min(a + 1, items.length - 1)); }
            else if (e.key === "ArrowUp") { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
            else if (e.key === "Enter" && items[active]) { e.preventDefault(); items[active].run(); }
          }}
        />
        <ul className="palette-list" role="listbox" id={listId} aria-label="Results">
          {items.map((item, i) => (
            <li
              key={item.key}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "palette-item active" : "palette-item"}
              onMouseEnter={() => setActive(i)}
              onClick={() => item.run()}
            >
              <span>{item.label}</span>
              <span className="palette-hint">{item.hint}</span>
            </li>
          ))}
          {items.length === 0 && !searching && <li className="menu-note">Nothing matches “{text}”.</li>}
          {searching && records.length === 0 && <li className="menu-note">Searching…</li>}
        </ul>
      </div>
    </Modal>
  );
}
