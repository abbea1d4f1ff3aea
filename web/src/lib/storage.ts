// Per-user preferences kept in the browser: recent records, favourites, list columns,
// theme. Keys carry the user id so two people sharing a browser keep their own.
import { useCallback, useEffect, useState } from "react";

export function readStored<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

const listeners = new Map<string, Set<() => void>>();

export function writeStored<T>(key: string, value: T): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: preferences last for this page only.
  }
  listeners.get(key)?.forEach((l) => l());
}

export function useStored<T>(key: string, fallback: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readStored(key, fallback));
  useEffect(() => {
    setValue(readStored(key, fallback));
    const listener = () => setValue(readStored(key, fallback));
    let set = listeners.get(key);
    if (!set) listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => void set!.delete(listener);
    // fallback is a literal at each call site; key decides.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const update = useCallback((next: T) => writeStored(key, next), [key]);
  return [value, update];
}

export interface RecentRecord {
  object: string;
  id: string;
  title: string;
}

export function rememberRecent(userId: string, entry: RecentRecord): void {
  const key = `rapport:${userId}:recent`;
  const list = readStored<RecentRecord[]>(key, []).filter((r) => !(r.object === entry.object && r.id === entry.id));
  writeStored(key, [entry, ...list].slice(0, 12));
}
