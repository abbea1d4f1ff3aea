// The JavaScript budget, enforced on every build (docs/web.md): what the first page
// loads must stay small enough to start in well under a second on a cold cache.
// Sizes are gzip-compressed, as the server sends them.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const BUDGET = {
  initialJs: 150 * 1024, // index-*.js: React, the router and the app's core pages
  totalJs: 220 * 1024, // every chunk, lazy ones included
  css: 16 * 1024,
};

const dist = new URL("../dist/", import.meta.url).pathname;
const assets = readdirSync(join(dist, "assets"));
const size = (name) => gzipSync(readFileSync(join(dist, "assets", name)), { level: 9 }).length;
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = [...html.matchAll(/assets\/([^"]+\.js)/g)].map((m) => m[1]);

const measured = {
  initialJs: initial.reduce((sum, name) => sum + size(name), 0),
  totalJs: assets.filter((n) => n.endsWith(".js")).reduce((sum, name) => sum + size(name), 0),
  css: assets.filter((n) => n.endsWith(".css")).reduce((sum, name) => sum + size(name), 0),
};

let failed = false;
for (const [key, limit] of Object.entries(BUDGET)) {
  const ok = measured[key] <= limit;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "OVER"} ${key.padEnd(10)} ${(measured[key] / 1024).toFixed(1).padStart(6)} KiB gzip (budget ${(limit / 1024).toFixed(0)} KiB)`);
}
if (failed) {
  console.error("The web app is over its size budget (web/scripts/check-budget.mjs).");
  process.exit(1);
}
