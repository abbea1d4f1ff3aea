// A list view's rows: cursor pages fetched as the user scrolls (keyset pagination on
// the server, so page 2,000 costs what page 1 does), with local edits applied on top.
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { ApiError, api, forgetPrefetched, prefetch, query, takeRead } from "../api/client";
import { PAGE_SIZE, firstPagePath } from "./listQuery";
import type { ListPage, RecordData } from "../api/types";

export interface ListState {
  rows: RecordData[];
  total: number | null;
  loading: boolean;
  error: ApiError | null;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  replace: (record: RecordData) => void;
  remove: (ids: string[]) => void;
}

export function useList(object: string, filter: string, sort: string, fields: string[]): ListState {
  const fieldList = fields.join(",");
  const firstPage = firstPagePath(object, filter, sort, fields);
  // On a cold load the first page is usually read already (main.tsx): the first render
  // draws its rows.
  const [known] = useState(() => takeRead<ListPage>(firstPage));
  const [rows, setRows] = useState<RecordData[]>(known?.data ?? []);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(known?.next_cursor ?? null);
  const [hasMore, setHasMore] = useState(!!known?.next_cursor);
  const [loading, setLoading] = useState(!known);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const countAbort = useRef<AbortController | null>(null);
  const seeded = useRef(known !== undefined);

  // Otherwise the first page leaves while this render is still going, before the
  // browser lays the page out; fetchPage then takes this answer.
  const requested = useRef<string | null>(known ? `${firstPage}#0` : null);
  if (requested.current !== `${firstPage}#${generation}`) {
    requested.current = `${firstPage}#${generation}`;
    prefetch(firstPage);
  }

  // The total is asked for on its own, once the first rows are in: counting a million
  // rows takes longer than a page, and the rows should not share the server's cores
  // with it.
  const count = useCallback(() => {
    countAbort.current?.abort();
    const counting = (countAbort.current = new AbortController());
    api
      .get<ListPage>(`/objects/${object}${query({ filter, limit: 1, fields: "id", count: true })}`, counting.signal)
      .then((counted) => { if (!counting.signal.aborted) setTotal(counted.total ?? null); }, () => undefined);
  }, [object, filter]);

  const fetchPage = useCallback(
    async (after: string | null, first: boolean) => {
      inFlight.current?.abort();
      const controller = (inFlight.current = new AbortController());
      setLoading(true);
      try {
        const page = await api.get<ListPage>(
          after === null ? firstPage : `/objects/${object}${query({ filter, sort, limit: PAGE_SIZE, cursor: after, fields: fieldList })}`,
          controller.signal,
        );
        if (controller.signal.aborted) return;
        if (first) count();
        setRows((current) => (first ? page.data : [...current, ...page.data]));
        setCursor(page.next_cursor);
        setHasMore(page.next_cursor !== null);
        setError(null);
      } catch (e) {
        if ((e as Error).name === "AbortError") return;
        setError(e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) }));
        if (first) setRows([]);
        setHasMore(false);
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
    },
    [object, filter, sort, fieldList, firstPage, count],
  );

  // A layout effect, so the request leaves before the browser paints the empty page
  // (a plain effect would wait for that paint, 100 ms on a slow phone).
  useLayoutEffect(() => {
    if (seeded.current) {
      seeded.current = false;
      count();
    } else {
      setRows([]);
      setTotal(null);
      void fetchPage(null, true);
    }
    return () => {
      inFlight.current?.abort();
      countAbort.current?.abort();
      forgetPrefetched(firstPage);  // asked ahead for a list no longer shown
    };
  }, [fetchPage, count, generation, firstPage]);

  const loadMore = useCallback(() => {
    if (!loading && hasMore && cursor) void fetchPage(cursor, false);
  }, [loading, hasMore, cursor, fetchPage]);

  const replace = useCallback((record: RecordData) => {
    setRows((current) => current.map((r) => (r.id === record.id ? { ...r, ...record } : r)));
  }, []);

  const remove = useCallback((ids: string[]) => {
    const gone = new Set(ids);
    setRows((current) => current.filter((r) => !gone.has(r.id)));
    setTotal((t) => (t === null ? t : Math.max(0, t - ids.length)));
  }, []);

  return { rows, total, loading, error, hasMore, loadMore, reload: () => setGeneration((g) => g + 1), replace, remove };
}
