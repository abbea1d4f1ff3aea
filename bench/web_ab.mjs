// Interleaved A/B of the list page's cold load, by the method of bench/web_load.mjs:
// one cold load against each server in turn (the order alternating), so that a busy
// machine slows every build alike. Each URL is a `rapport serve` of one build over
// its own copy of the same data, signed in as admin@example.com with PASSWORD.
// Usage: node bench/web_ab.mjs PASSWORD ROUNDS URL_A URL_B [...]
// Prints, per URL: the median from navigation start to the first row (in_page, what
// web_load_in_page_ms reports), from goto() to it (load), and to the first paint after
// it (painted: a requestAnimationFrame, then a task).
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
const require = createRequire(new URL("../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const [password, roundsArg, ...urls] = process.argv.slice(2);
const ROUNDS = Number(roundsArg);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
const cookiesFor = {};
for (const url of urls) {
  const login = await fetch(`${url}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "admin@example.com", password }) });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status}`);
  cookiesFor[url] = login.headers.getSetCookie().map((c) => { const [pair] = c.split(";"); const [name, value] = pair.split("="); return { name, value, url }; });
}
async function once(url) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, serviceWorkers: "block" });
  await context.addCookies(cookiesFor[url]);
  let reported; const firstRow = new Promise((r) => { reported = r; });
  let painted; const firstPaint = new Promise((r) => { painted = r; });
  await context.exposeBinding("__rapportFirstRow", (_s, at) => reported({ at, now: performance.now() }));
  await context.exposeBinding("__rapportPainted", (_s, at) => painted(at));
  await context.addInitScript(() => {
    new MutationObserver((_, o) => { if (document.querySelector('[role="row"][aria-rowindex="2"]')) { o.disconnect(); window.__rapportFirstRow(performance.now()); requestAnimationFrame(() => setTimeout(() => window.__rapportPainted(performance.now()), 0)); } })
      .observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  const start = performance.now();
  await page.goto(`${url}/o/people`, { waitUntil: "commit" });
  const row = await Promise.race([firstRow, new Promise((_, j) => setTimeout(() => j(new Error("no row")), 30000))]);
  const paint = await firstPaint;
  await context.close();
  return { inPage: row.at, load: row.now - start, paint };
}
const res = Object.fromEntries(urls.map((u) => [u, []]));
// One load each first, not counted (a warm-up for each server).
for (const u of urls) await once(u);
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 ? [...urls].reverse() : urls;
  for (const u of order) res[u].push(await once(u));
}
await browser.close();
for (const u of urls) {
  const ip = res[u].map((r) => r.inPage);
  console.log(`${u} n=${ip.length} in_page_median=${median(ip).toFixed(0)} load_median=${median(res[u].map((r) => r.load)).toFixed(0)} painted_median=${median(res[u].map((r) => r.paint)).toFixed(0)} min=${Math.min(...ip).toFixed(0)} max=${Math.max(...ip).toFixed(0)} all=${ip.map((x) => x.toFixed(0)).join(",")}`);
}
