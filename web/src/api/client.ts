// The one way the web app talks to the server: same-origin fetch with the session
// cookie, the CSRF token on every change, and problem+json turned into ApiError.
import type { Problem, FieldError } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${problem.status})`);
    this.status = problem.status;
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }

  // The message for one field, if the server named it.
  errorFor(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field)?.message;
  }
}

const unauthorisedListeners = new Set<() => void>();

// The session's CSRF token, from the readable cookie the server sets beside the
// HttpOnly session cookie (double submit: another site can neither read nor send it).
function csrfToken(): string {
  const match = /(?:^|;\s*)rapport_csrf=([^;]*)/.exec(typeof document === "undefined" ? "" : document.cookie);
  return match ? decodeURIComponent(match[1]) : "";
}

// Called when the server answers 401 to a signed-in request: the session expired or
// was revoked, and the app returns to the sign-in page.
export function onUnauthorised(listener: () => void): () => void {
  unauthorisedListeners.add(listener);
  return () => unauthorisedListeners.delete(listener);
}

export interface RequestOptions {
  body?: unknown;
  ifMatch?: number;
  signal?: AbortSignal;
  // Sign-in calls expect 401 as an answer, not as an expired session.
  expectUnauthorised?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  etag: string | null;
}

// Requests started ahead of the code that needs them (main.tsx, before React renders;
// a list's first page, before the grid measures itself), so the first page does not
// wait for them one after another. The first request for the same path takes the
// answer if it asks within a few seconds; an older one (a render whose effects never
// ran) is dropped rather than replayed.
const PREFETCH_FRESH_MS = 5000;
const prefetched = new Map<string, { response: Promise<Response>; at: number; peeked?: Promise<unknown> }>();
// When each path was last taken: asked ahead again right after, its answer would wait
// for nobody (main.tsx finishing after the list page already had its page).
const taken = new Map<string, number>();
// Answers fetched ahead and already read: on a cold load main.tsx waits for the session,
// the metadata and a list's first page, so the first render draws the page whole with
// them rather than rendering it empty and asking.
const read = new Map<string, { data: unknown; at: number }>();

// Drops the answers fetched ahead: all of them (signing out, or any write, after
// which they may be stale), or one that is no longer wanted.
export function forgetPrefetched(path?: string): void {
  if (path === undefined) {
    prefetched.clear();
    taken.clear();
    read.clear();
  } else {
    prefetched.delete(path);
    read.delete(path);
  }
}

export function prefetch(path: string): void {
  const now = performance.now();
  for (const [key, entry] of prefetched) if (now - entry.at > PREFETCH_FRESH_MS) prefetched.delete(key);
  for (const [key, at] of taken) if (now - at > PREFETCH_FRESH_MS) taken.delete(key);
  if (prefetched.has(path) || taken.has(path)) return;  // on its way, or just answered
  // Same mode and credentials as the <link rel="preload"> in index.html, so the
  // browser hands over the answer it is already fetching.
  prefetched.set(path, { response: fetch(`/api/v1${path}`, { credentials: "same-origin" }), at: now });
}

// The answer fetched ahead for `path`, read without taking it (the request that
// takes it still gets the whole response); undefined if there is none or it failed.
// The answer is also kept, read, for takeRead.
export function peekPrefetched<T>(path: string): Promise<T | undefined> {
  const entry = prefetched.get(path);
  if (!entry) return Promise.resolve(undefined);
  entry.peeked ??= (async () => {
    try {
      const response = await entry.response;
      if (!response.ok) return undefined;
      const data: unknown = await response.clone().json();
      if (prefetched.get(path) === entry) read.set(path, { data, at: entry.at });
      return data;
    } catch {
      return undefined;
    }
  })();
  return entry.peeked as Promise<T | undefined>;
}

// The answer fetched ahead for `path` if it has been read already (by peekPrefetched),
// for a first render to draw with at once; taking it is taking the answer fetched ahead.
export function takeRead<T>(path: string): T | undefined {
  const entry = read.get(path);
  if (!entry) return undefined;
  read.delete(path);
  prefetched.delete(path);
  const now = performance.now();
  taken.set(path, now);
  return now - entry.at > PREFETCH_FRESH_MS ? undefined : (entry.data as T);
}

function takePrefetched(path: string): Promise<Response | undefined> | undefined {
  const entry = prefetched.get(path);
  prefetched.delete(path);
  read.delete(path);
  if (!entry) return undefined;
  taken.set(path, performance.now());
  if (performance.now() - entry.at > PREFETCH_FRESH_MS) return undefined;
  return entry.response.catch(() => undefined);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const response = await send(method, path, options);
  const data = response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  return { data, etag: response.headers.get("ETag") };
}

// A file the server streams (an export), read as it arrives: `onChunk` sees each
// piece. A transfer the server broke off rejects, never yields a short file.
export async function fetchFile(path: string, onChunk?: (bytes: Uint8Array) => void): Promise<Blob> {
  const response = await send("GET", path, {});
  const type = response.headers.get("Content-Type") ?? "application/octet-stream";
  const reader = response.body?.getReader();
  if (!reader) return response.blob();
  const parts: BlobPart[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    onChunk?.(value);
  }
  return new Blob(parts, { type });
}

// The response of a request that succeeded; any other answer becomes an ApiError.
async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = method !== "GET" && method !== "HEAD" ? csrfToken() : "";
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
  let response: Response;
  // A write may change what any answer fetched ahead says.
  if (method !== "GET" && method !== "HEAD") forgetPrefetched();
  const early = method === "GET" ? await takePrefetched(path) : undefined;
  try {
    // A prefetched failure (say, before signing in) is asked again, never replayed.
    response = early?.ok ? early : await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError({ status: 0, title: "Offline", detail: "The server cannot be reached. Check your connection." });
  }
  if (response.status === 401 && !options.expectUnauthorised) {
    unauthorisedListeners.forEach((listener) => listener());
  }
  if (!response.ok) {
    let problem: Problem = { status: response.status, title: response.statusText };
    try {
      problem = { ...(await response.json()), status: response.status };
    } catch {
      // Not JSON (a proxy's error page): keep the status line.
    }
    if (response.status === 429) {
      const retry = response.headers.get("Retry-After");
      if (retry && !problem.detail) problem.detail = `Too many attempts. Try again in ${retry} s.`;
    }
    throw new ApiError(problem);
  }
  return response;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, { signal }).then((r) => r.data),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body: body ?? {} }).then((r) => r.data),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }).then((r) => r.data),
  patch: <T>(path: string, body: unknown, ifMatch?: number) =>
    request<T>("PATCH", path, { body, ifMatch }).then((r) => r.data),
  delete: (path: string) => request<void>("DELETE", path).then(() => undefined),
};

// Builds a query string, leaving out empty values.
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
