// The real parts the browser tests run against: a fresh data directory, a real
// `rapport serve` on a loopback port, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;
export const ROOT = resolve(here, "../..");
export const BINARY = process.env.RAPPORT_BIN ?? join(ROOT, "build/rapport");
export const WEB_DIR = process.env.RAPPORT_WEB_DIR ?? join(ROOT, "web/dist");
export const SHOTS = process.env.RAPPORT_SCREENSHOTS ?? join(ROOT, "build/web-screenshots");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const ADMIN = { email: "admin@example.com", password: "correct horse battery staple" };

export async function startServer() {
  const data = mkdtempSync(join(tmpdir(), "rapport-e2e-"));
  const run = (...args) => execFileSync(BINARY, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
  run("init", "--data", data, "--admin-email", ADMIN.email, "--admin-password", ADMIN.password, "--tenant", "Acme Demo");
  run("demo", "--data", data);
  const child = spawn(BINARY, ["serve", "--data", data, "--listen", "127.0.0.1:0", "--web", WEB_DIR, "--no-access-log"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise((resolvePromise, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`rapport serve did not start:\n${output}`)), 15000);
    const onData = (chunk) => {
      output += chunk;
      const match = /serving (https?:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`rapport serve exited (${code}):\n${output}`)));
  });
  return {
    url,
    data,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
};

export async function launchBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch(LAUNCH);
}

// A browser with a profile on disk, as a person's is (contexts of launchBrowser() are
// incognito, where Chromium never offers to install an app). Close it to delete it.
export async function launchProfile() {
  const dir = mkdtempSync(join(tmpdir(), "rapport-profile-"));
  const context = await chromium.launchPersistentContext(dir, { ...LAUNCH, ...CONTEXT });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it.
export function totp(secretBase32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

// Contexts as a user's browser has them: English, and the app's own CSP in force.
export const CONTEXT = { locale: "en-US", timezoneId: "UTC" };

// Polls `read` until `accept` holds, for state the page or server reaches on its own time
// (playwright-core has no expect().toPass()). Returns the last value read.
export async function until(read, accept, { timeout = 15000, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let value;
  for (;;) {
    value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const AXE_SOURCE = readFileSync(join(here, "../node_modules/axe-core/axe.min.js"), "utf8");

// Serious and critical accessibility violations (axe-core, WCAG 2.1 A and AA). axe is
// evaluated through the DevTools protocol, which the page's CSP does not govern, so the
// tests run under the same CSP as users.
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

export async function signIn(page, url, email = ADMIN.email, password = ADMIN.password) {
  await page.goto(`${url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
