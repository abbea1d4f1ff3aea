// Rapport's service worker: the app shell works offline, and records the user has
// opened can be read again without a network (network first, the cache as fallback).
// Writes are never cached or replayed. Signing out clears the data cache (see
// src/lib/offline.ts), so one user's records do not outlive their session here.
const SHELL = "rapport-shell-v2";
// Files the shell shows besides the hashed assets (the logo, the manifest).
const SHELL_FILES = ["/", "/icon.svg", "/manifest.webmanifest"];
const DATA = "rapport-data-v1";
const MAX_DATA_ENTRIES = 300;
// What a recently viewed record page needs: who I am, the metadata, the record.
const OFFLINE_API = [
  /^\/api\/v1\/auth\/session$/,
  /^\/api\/v1\/metadata\/objects$/,
  /^\/api\/v1\/objects\/[a-z0-9_]+\/[0-9a-f-]{36}$/,
];

// The shell and the assets its page names, so the app starts offline right after an
// upgrade (pages loaded on demand are cached when first opened).
async function cacheShell() {
  const cache = await caches.open(SHELL);
  await cache.addAll(SHELL_FILES);
  const index = await cache.match("/");
  if (!index) return;
  const named = [...(await index.text()).matchAll(/\/assets\/[^"']+/g)].map((m) => m[0]);
  await cache.addAll([...new Set(named)]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== DATA).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Bumped by every clear: a response that was in flight when the data was cleared is
// not written back afterwards.
let generation = 0;

async function clearData() {
  generation++;
  await caches.delete(DATA);
}

self.addEventListener("message", (event) => {
  if (event.data === "clear-data") event.waitUntil(clearData());
});

// Another user signed in at this browser: the previous one's records go first.
async function checkUser(response) {
  try {
    const fresh = await response.clone().json();
    const cached = await caches.match("/api/v1/auth/session");
    if (cached && (await cached.json()).user_id !== fresh.user_id) await clearData();
  } catch {
    // Not JSON: nothing to compare.
  }
}

// Keeps only the hashed assets the current build uses: those index.html names, and the
// chunks they load on demand ("./RecordPage-….js", "assets/…" in Vite's preload
// lists), followed from script to script. When a script cannot be read, nothing is
// pruned: an asset still in use must not go.
async function pruneShell(indexHtml) {
  const cache = await caches.open(SHELL);
  const used = new Set([...indexHtml.matchAll(/\/assets\/[^"']+/g)].map((m) => m[0]));
  const pending = [...used].filter((path) => path.endsWith(".js"));
  while (pending.length > 0) {
    const script = pending.pop();
    const response = (await cache.match(script)) ?? (await fetch(script).catch(() => undefined));
    if (!response?.ok) return;
    for (const m of (await response.text()).matchAll(/"(?:\.\/|assets\/)([^"/]+\.(?:js|css))"/g)) {
      const path = `/assets/${m[1]}`;
      if (used.has(path)) continue;
      used.add(path);
      if (path.endsWith(".js")) pending.push(path);
    }
  }
  // Only scripts and style sheets, whose references were followed; anything else the
  // build may add (fonts, images) stays.
  for (const key of await cache.keys()) {
    const path = new URL(key.url).pathname;
    if (path.startsWith("/assets/") && /\.(js|css)$/.test(path) && !used.has(path)) await cache.delete(key);
  }
}

async function trim(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_DATA_ENTRIES; i++) await cache.delete(keys[i]);
}

async function networkFirst(request, cacheName) {
  const started = generation;
  try {
    const response = await fetch(request);
    if (response.ok && cacheName === DATA && new URL(request.url).pathname === "/api/v1/auth/session") {
      await checkUser(response);
    }
    if (response.ok && (cacheName !== DATA || generation === started)) {
      const cache = await caches.open(cacheName);
      await cache.delete(request);
      await cache.put(request, response.clone());
      if (cacheName === DATA) await trim(cache);
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    if (url.search === "" && OFFLINE_API.some((re) => re.test(url.pathname))) {
      event.respondWith(networkFirst(request, DATA));
    }
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then(async (response) => {
          if (response.ok) {
            const cache = await caches.open(SHELL);
            await cache.put("/", response.clone());
            // Old builds' assets go after the page is answered (never holding it up).
            const html = await response.clone().text();
            event.waitUntil(pruneShell(html).catch(() => undefined));
          }
          return response;
        })
        .catch(async () => (await caches.match("/")) || Response.error()),
    );
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, SHELL));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || networkFirst(request, SHELL)),
    );
  }
});
