// End-to-end: a day's CRM routine in a real browser against a real server. Run by
// `make test` (CTest: web_e2e). Screenshots of the main pages land in build/web-screenshots.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, CONTEXT, SHOTS, axeViolations, launchBrowser, launchProfile, signIn, startServer, totp, until } from "./harness.mjs";

let server;
let browser;
let context;
let page;
let recoveryCodes = [];
const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });

// The REST API as the signed-in browser sees it (same cookies, CSRF token from the session).
async function apiCall(method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = decodeURIComponent(/(?:^|;\s*)rapport_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? "");
      const response = await fetch(`/api/v1${path}`, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: response.status === 204 ? null : await response.json() };
    },
    { method, path, body },
  );
}

async function stageOf(name) {
  const found = await apiCall("GET", `/objects/opportunities?filter=${encodeURIComponent(`name = "${name}"`)}`);
  return found.body.data[0].stage;
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1366, height: 860 }, colorScheme: "light", ...CONTEXT });
  page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (error) => console.error("page error:", error.message));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the server serves the app at every deep link, and the sign-in page refuses a wrong password", async () => {
  const response = await page.goto(`${server.url}/o/companies?filter=name%20~%20%22a%22`);
  assert.equal(response.status(), 200);
  await page.waitForURL(/\/login\?next=/);
  await shot(page, "01-login");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Back to the deep link the user first asked for, filter included.
  await page.waitForURL(/\/o\/companies\?filter=/);
  await page.getByRole("heading", { name: "Companies" }).waitFor();
  await page.getByText("name ~ \"a\"").waitFor();
});

test("create a company, a person at it and a deal, through the generated forms", async () => {
  await page.goto(`${server.url}/o/companies/new`);
  await page.getByRole("button", { name: "Create company" }).click();
  // Client-side checks mirror the server's: required, and a bad web address.
  await page.getByText("Name is required.").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("Zephyr Analytics");
  await page.getByLabel("Website").fill("not a web address");
  await page.getByRole("button", { name: "Create company" }).click();
  await page.getByText("Enter a web address like example.com.").waitFor();
  await page.getByLabel("Website").fill("zephyr-analytics.example");
  await page.getByLabel("Industry").selectOption("software");
  await page.getByLabel("Employees").fill("240");
  await page.getByLabel("Annual revenue", { exact: true }).fill("12500000");
  await shot(page, "03-company-form");
  await page.getByRole("button", { name: "Create company" }).click();
  await page.getByRole("heading", { name: "Zephyr Analytics" }).waitFor();
  const companyUrl = page.url();
  assert.match(companyUrl, /\/o\/companies\/[0-9a-f-]{36}$/);

  // A person, from the company's related list, with the lookup prefilled.
  await page.getByRole("region", { name: /^People/ }).getByRole("link", { name: "Add" }).click();
  await page.getByLabel("First name").fill("Nadia");
  await page.getByLabel("Last name").fill("Okafor");
  await page.getByLabel("Email").fill("nadia@zephyr-analytics.example");
  assert.equal(await page.getByLabel("Company", { exact: true }).inputValue(), "Zephyr Analytics");
  await page.getByRole("button", { name: "Create person" }).click();
  await page.getByRole("heading", { name: "Nadia Okafor" }).waitFor();

  // A deal, choosing the company by typing in the lookup.
  await page.goto(`${server.url}/o/opportunities/new`);
  await page.getByLabel("Name", { exact: true }).fill("Zephyr platform rollout");
  await page.getByLabel("Amount", { exact: true }).fill("48000");
  await page.getByLabel("Amount currency").selectOption("EUR");
  await page.getByLabel("Stage").selectOption("qualification");
  await page.getByLabel("Close date").fill("2027-03-31");
  await page.getByLabel("Company", { exact: true }).fill("Zephyr");
  await page.getByRole("option", { name: "Zephyr Analytics" }).click();
  await page.getByRole("button", { name: "Create opportunity" }).click();
  await page.getByRole("heading", { name: "Zephyr platform rollout" }).waitFor();
  await page.getByText("€48,000.00").first().waitFor();

  // The activity timeline: a quick note appears at once.
  await page.getByLabel("Subject").fill("Kick-off call booked");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("link", { name: "Kick-off call booked" }).waitFor();
  await shot(page, "04-record");

  const check = await apiCall("GET", `/objects/opportunities?filter=${encodeURIComponent('name = "Zephyr platform rollout"')}&include=company`);
  assert.equal(check.body.data.length, 1);
  assert.equal(check.body.data[0].company.name, "Zephyr Analytics");
  assert.deepEqual(check.body.data[0].amount, { amount: "48000.00", currency: "EUR" });
});

test("filter a list with the builder, save the view, and open it again from its URL", async () => {
  await page.goto(`${server.url}/o/companies`);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("button", { name: "+ Add condition" }).click();
  await page.getByLabel("Condition 1 field").selectOption("industry");
  await page.getByLabel("Condition 1 operator").selectOption("=");
  await page.getByLabel("Condition 1 value").selectOption("software");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/filter=industry/);
  await page.getByText('industry = "software"').first().waitFor();
  // Every row shown is a software company (once the filtered page has replaced the first).
  const industries = await until(
    () => page.locator('[role="row"] .badge').allTextContents(),
    (found) => found.length > 0 && found.every((t) => t === "Software"),
    { what: "only software companies in the list" },
  );
  assert.ok(industries.length > 0);

  // Text mode reads what the builder wrote, and takes the full language.
  await page.getByRole("button", { name: "Edit as text" }).click();
  assert.equal(await page.getByLabel("Filter expression").inputValue(), 'industry = "software"');
  await page.getByLabel("Filter expression").fill('industry = "software" and name ~ "zephyr"');
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("table").getByRole("link", { name: "Zephyr Analytics" }).waitFor();
  await page.getByRole("button", { name: "Close" }).click();

  // A syntax error is explained, and the list is not lost.
  await page.getByRole("button", { name: /Filter/ }).click();
  await page.getByRole("button", { name: "Edit as text" }).click();
  await page.getByLabel("Filter expression").fill("name ~ ");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator("#filter-error").waitFor();
  await page.getByLabel("Filter expression").fill('industry = "software"');
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("button", { name: "Close" }).click();

  await page.getByRole("button", { name: "Save view" }).click();
  await page.getByLabel("Name").fill("Software companies");
  await page.getByLabel("Share with everyone in the workspace").check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.waitForURL(/view=/);
  const viewUrl = page.url();
  await shot(page, "02-list");

  await page.goto(`${server.url}/o/companies`);
  await page.getByLabel("View").selectOption({ label: "Software companies (shared)" });
  await page.waitForURL(/view=.*filter=industry/);
  await page.goto(viewUrl);
  await page.getByText('industry = "software"').first().waitFor();
  // Export the view: the server's CSV, with labels for a spreadsheet, of exactly these rows.
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await downloading;
  assert.match(file.suggestedFilename(), /^companies-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await file.path(), "utf8");
  assert.ok(csv.startsWith("\ufeffName,"), csv.slice(0, 80));
  assert.match(csv, /\r\nZephyr Analytics,/);
  const software = await apiCall("GET", `/objects/companies?limit=1&count=true&filter=${encodeURIComponent('industry = "software"')}`);
  assert.equal(csv.trimEnd().split("\r\n").length - 1, software.body.total);

  const views = await apiCall("GET", "/views?object=companies");
  assert.equal(views.body.data.length, 1);
  assert.equal(views.body.data[0].filter, 'industry = "software"');
  assert.equal(views.body.data[0].shared, true);
});

test("inline edit in a list: a bad value is refused on the field, a good one is saved", async () => {
  await page.goto(`${server.url}/o/companies?filter=${encodeURIComponent('name = "Zephyr Analytics"')}&cols=name,employees,city`);
  const cell = page.locator('[role="cell"][data-field="employees"]');
  await cell.dblclick();
  const input = page.locator(".grid-cell.editing input");
  await input.fill("lots");
  await input.press("Enter");
  await page.getByRole("alert").filter({ hasText: "Enter a whole number." }).waitFor();
  await input.fill("250");
  const saving = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/objects/companies/"));
  await input.press("Enter");
  assert.equal((await saving).status(), 200);
  await cell.getByText("250").waitFor();
  // Focus is back on the cell, so the keyboard carries on from there.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-field")), "employees");
  const saved = await apiCall("GET", `/objects/companies?filter=${encodeURIComponent('name = "Zephyr Analytics"')}`);
  assert.equal(saved.body.data[0].employees, 250);
  assert.equal(saved.body.data[0].version, 2);
});

test("add custom fields in settings, see them in the form, and the server's unique check on the field", async () => {
  await page.goto(`${server.url}/settings/objects/companies`);
  await page.getByRole("button", { name: "Add field" }).click();
  await page.getByLabel("Label").fill("Tier");
  await page.getByLabel("Type").selectOption("picklist");
  await page.getByLabel("Values, one per line").fill("Gold\nSilver\nBronze");
  await page.getByRole("button", { name: "Add field", exact: true }).last().click();
  await page.getByRole("cell", { name: "tier", exact: true }).waitFor();
  await page.getByRole("button", { name: "Add field" }).click();
  await page.getByLabel("Label").fill("Customer code");
  await page.getByLabel("Unique").check();
  await page.getByRole("button", { name: "Add field", exact: true }).last().click();
  await page.getByRole("cell", { name: "customer_code", exact: true }).waitFor();
  // Values can be added to a custom picklist later; the ones in use keep their api name.
  await page.getByRole("button", { name: "Edit field Tier" }).click();
  await page.getByLabel("Values, one per line").fill("Platinum\nGold\nSilver\nBronze");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("cell", { name: "Picklist (4)" }).waitFor();
  await shot(page, "07-settings-fields");

  await page.goto(`${server.url}/o/companies/new`);
  await page.getByLabel("Tier").waitFor();
  const tiers = ["—", "Platinum", "Gold", "Silver", "Bronze"];
  await until(() => page.getByLabel("Tier").locator("option").allTextContents(), (o) => o.join() === tiers.join(), { what: "the Tier options" });
  await page.getByLabel("Tier").selectOption({ label: "Gold" });
  await page.getByLabel("Name", { exact: true }).fill("Gold Standard Ltd");
  await page.getByLabel("Customer code").fill("GS-001");
  await page.getByRole("button", { name: "Create company" }).click();
  await page.getByRole("heading", { name: "Gold Standard Ltd" }).waitFor();
  await page.getByText("Gold", { exact: true }).first().waitFor();

  // The server, not the client, knows the code is taken: its answer shows on the field.
  await page.goto(`${server.url}/o/companies?filter=${encodeURIComponent('name = "Zephyr Analytics"')}`);
  await page.getByRole("table").getByRole("link", { name: "Zephyr Analytics" }).click();
  await page.getByRole("button", { name: "Edit Customer code" }).click();
  await page.locator("#field-customer_code").fill("GS-001");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const error = page.locator("#field-customer_code-error");
  await error.waitFor();
  assert.match(await error.textContent(), /taken|unique|already/i);
});

test("drag a deal to another stage on the board", async () => {
  await page.goto(`${server.url}/o/opportunities/board`);
  const card = page.locator(".board-card", { hasText: "Zephyr platform rollout" });
  await card.waitFor();
  await shot(page, "05-board");
  const target = page.locator('.board-column[data-column="proposal"]');
  const dragged = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/objects/opportunities/"));
  await card.dragTo(target);
  assert.equal((await dragged).status(), 200);
  await page.locator('.board-column[data-column="proposal"] .board-card', { hasText: "Zephyr platform rollout" }).waitFor();
  assert.equal((await stageOf("Zephyr platform rollout")), "proposal");
  // And from the keyboard.
  const moved = page.locator('.board-column[data-column="proposal"] .board-card', { hasText: "Zephyr platform rollout" });
  await moved.focus();
  const moving = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/objects/opportunities/"));
  await page.keyboard.press("Alt+ArrowRight");
  assert.equal((await moving).status(), 200);
  await page.locator('.board-column[data-column="negotiation"] .board-card', { hasText: "Zephyr platform rollout" }).waitFor();
  assert.equal((await stageOf("Zephyr platform rollout")), "negotiation");
  // Column counts and totals are the server's, over every record, not only the cards shown.
  const counts = await apiCall("GET", "/objects/opportunities/aggregate?group_by=stage&measures=count,sum:amount");
  const inNegotiation = counts.body.data.filter((r) => r.keys.stage === "negotiation").reduce((n, r) => n + r.values.count, 0);
  const head = page.locator('.board-column[data-column="negotiation"] .board-column-head');
  await until(() => head.locator(".count").textContent(), (text) => Number(text) === inNegotiation, { what: "the negotiation count" });
  const sums = counts.body.data.filter((r) => r.keys.stage === "negotiation" && r.currency).map((r) => `${r.currency}:${r.values["sum:amount"].amount}`).join(" ");
  assert.match(sums, /EUR:/);
  await until(() => head.locator(".column-total").getAttribute("data-sums"), (shown) => shown === sums, { what: "the negotiation totals" });
});

test("the Sales dashboard draws its widgets, and a row drills into the records behind it", async () => {
  await page.goto(`${server.url}/dashboards`);
  await page.waitForURL(/\/dashboards\/[0-9a-f-]+/);
  await page.getByRole("heading", { name: "Sales", level: 1 }).waitFor();
  // All time: the demo's deals close over the whole year.
  await page.getByRole("combobox", { name: "Period" }).selectOption("");
  await page.waitForURL(/period=&/);
  await page.locator(".dashboard-period").waitFor({ state: "detached" });
  await page.locator(".widget-bar canvas").waitFor();
  await page.locator(".widget-funnel canvas").waitFor();
  assert.equal(await page.locator(".widget").count(), 8);
  assert.match(await page.locator(".widget-kpi .kpi-figure").first().innerText(), /\d/);
  await shot(page, "10-dashboard");
  // The top accounts: the first account's row opens the list of its won deals.
  const table = page.getByRole("region", { name: "Top accounts by won amount" });
  const first = table.getByRole("button").first();
  const account = await first.innerText();
  await first.click();
  await page.waitForURL(/\/o\/opportunities\?filter=/);
  const filter = new URL(page.url()).searchParams.get("filter");
  assert.match(filter, /stage = "won"/);
  assert.ok(filter.includes(`company.name = ${JSON.stringify(account)}`), filter);
  const listed = await apiCall("GET", `/objects/opportunities?count=true&limit=1&filter=${encodeURIComponent(filter)}`);
  assert.ok(listed.body.total >= 1, JSON.stringify(listed.body));
  await page.locator(".list-row, [role=row]").nth(1).waitFor();
});

test("the KPIs page computes every KPI with its trend and formula, and each owner's share", async () => {
  // This year: the demo's deals close over the whole year.
  await page.goto(`${server.url}/kpis?period=this_year`);
  await page.getByRole("heading", { name: "KPIs", level: 1 }).waitFor();
  const win = page.getByRole("region", { name: "Win rate", exact: true });
  await until(() => win.locator(".kpi-figure").innerText().catch(() => ""), (text) => /\d.*%/.test(text), { what: "the win rate" });
  const catalogue = await apiCall("GET", "/kpis");
  assert.equal(await page.locator(".kpi-tile").count(), catalogue.body.data.length);
  // The same figure as the API's, for the same period.
  const api = await apiCall("GET", "/kpis/win_rate?period=this_year");
  const figure = Number(api.body.value.figures[0].value);
  assert.ok((await win.locator(".kpi-figure").innerText()).includes(figure.toFixed(1).replace(/\.0$/, "")), `${figure}`);
  // Conversion by stage: a figure per step of the stage picklist, down the funnel.
  const conversion = page.getByRole("region", { name: "Conversion rate by stage" });
  await conversion.locator(".kpi-steps li").first().waitFor();
  assert.match(await conversion.locator(".kpi-steps li").first().innerText(), /Prospecting → Qualification/);
  // Without campaigns, acquisition cost says what it needs instead of a figure.
  await page.getByRole("region", { name: "Customer acquisition cost" }).getByRole("note").waitFor();
  await win.getByText("How it is computed").click();
  await win.getByText(/won ÷ \(won \+ lost\)/).waitFor();
  await shot(page, "11-kpis");
  await win.getByRole("button", { name: "By owner" }).click();
  const dialog = page.getByRole("dialog", { name: "Win rate by owner" });
  await dialog.locator("tbody tr").first().waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });

  // A KPI as a dashboard widget: the same figure, under the dashboard's period.
  const board = await apiCall("POST", "/dashboards", {
    name: "KPI board", filters: { period: "this_year" }, widgets: [{ kpi: "win_rate", x: 0, y: 0, w: 3, h: 2 }],
  });
  assert.equal(board.status, 201, JSON.stringify(board.body));
  await page.goto(`${server.url}/dashboards/${board.body.id}`);
  const tile = page.getByRole("region", { name: "Win rate" });
  await until(() => tile.locator(".kpi-figure").innerText().catch(() => ""), (text) => /\d.*%/.test(text), { what: "the win rate widget" });
  assert.ok((await tile.locator(".kpi-figure").innerText()).includes(figure.toFixed(1).replace(/\.0$/, "")));
  assert.equal((await apiCall("DELETE", `/dashboards/${board.body.id}`)).status, 204);
});

test("a saved report is scheduled by mail from the reports page, then paused", async () => {
  await page.goto(`${server.url}/reports`);
  await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
  // This server has no SMTP settings: it says so, and keeps schedules anyway.
  await page.getByRole("note").filter({ hasText: "sends no mail" }).waitFor();
  await page.getByRole("button", { name: "Schedule Pipeline by stage" }).click();
  const dialog = page.getByRole("dialog", { name: "Mail “Pipeline by stage”" });
  await dialog.getByLabel("Every", { exact: true }).selectOption("weekly");
  await dialog.getByLabel("On", { exact: true }).selectOption({ label: "Monday" });
  await dialog.getByLabel("At", { exact: true }).selectOption({ label: "08:00" });
  await dialog.getByRole("button", { name: "Schedule" }).click();
  await dialog.waitFor({ state: "detached" });
  const row = page.locator("table.schedules tbody tr").filter({ hasText: "Pipeline by stage" });
  await row.getByText("Every Monday at 08:00").waitFor();
  const saved = await apiCall("GET", "/schedules");
  assert.equal(saved.body.data.length, 1);
  assert.equal(saved.body.data[0].weekday, 1);
  assert.ok(saved.body.data[0].next_run_at, JSON.stringify(saved.body));
  await shot(page, "12-reports");
  await row.getByRole("button", { name: "Pause" }).click();
  await row.getByText("Paused").waitFor();
  assert.equal((await apiCall("GET", "/schedules")).body.data[0].active, false);
});

test("build a report with a live preview, save it, edit it, and add it to a dashboard", async () => {
  await page.goto(`${server.url}/reports`);
  await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
  await page.getByRole("link", { name: "New report" }).click();
  await page.waitForURL(/\/reports\/new$/);
  await page.getByRole("heading", { name: "New report", level: 1 }).waitFor();
  await page.getByLabel("Report on").selectOption("opportunities");
  await page.getByRole("radio", { name: /Summary/ }).check();
  await page.getByLabel("Group by level 1 field").selectOption("stage");
  await page.getByLabel("Measure 1 function").selectOption("sum");
  await page.getByLabel("Measure 1 field").selectOption("amount");
  // The preview is the server's run of the same definition: one row per stage and currency.
  const expected = await apiCall("POST", "/reports/run", { type: "summary", object: "opportunities", group_by: ["stage"], aggregates: ["sum(amount)"] });
  assert.equal(expected.status, 200, JSON.stringify(expected.body));
  const preview = page.getByRole("region", { name: "Preview" });
  await preview.locator(".report-table-wrap th", { hasText: "Sum of Amount" }).waitFor();
  const rows = preview.locator(".report-table-wrap .report-table tbody tr");
  await until(() => rows.count(), (n) => n === expected.body.rows.length && n > 1, { what: "the preview's rows" });
  assert.match(await rows.first().innerText(), /\d/);

  // The server's objections show on the control they name: a top 0, a broken filter.
  await page.getByLabel("Top").fill("0");
  await until(() => page.locator("#report-limit-error").innerText().catch(() => ""), (t) => /at least 1/i.test(t), { what: "the limit's error" });
  assert.equal(await page.getByLabel("Top").getAttribute("aria-invalid"), "true");
  await page.getByLabel("Top").fill("");
  await page.getByRole("button", { name: "Add filter" }).click();
  await page.getByRole("button", { name: "Edit as text" }).click();
  await page.getByLabel("Filter expression").fill("amount >>> 3");
  await page.getByRole("button", { name: "Apply" }).click();
  await until(() => page.locator("#filter-error").innerText().catch(() => ""), (t) => /position/i.test(t), { what: "the filter's error" });
  await page.getByLabel("Filter expression").fill('stage != "lost"');
  await page.getByRole("button", { name: "Apply" }).click();
  await page.locator("#filter-error").waitFor({ state: "detached" });
  const open = await apiCall("POST", "/reports/run", { type: "summary", object: "opportunities", filter: 'stage != "lost"', group_by: ["stage"], aggregates: ["sum(amount)"] });
  await until(() => rows.count(), (n) => n === open.body.rows.length, { what: "the filtered preview" });
  await page.getByRole("button", { name: "Close" }).click();

  await page.getByLabel("Shown as").selectOption("bar");
  await preview.locator("canvas").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("Open amount by stage");
  await page.getByLabel("Shared with the workspace").check();
  await page.locator(".content").evaluate((c) => c.scrollTo(0, 0));
  await shot(page, "13-report-builder");
  await page.getByRole("button", { name: "Save report" }).click();
  await page.waitForURL(/\/reports$/);
  const listed = page.locator("table").first().locator("tbody tr").filter({ hasText: "Open amount by stage" });
  await listed.waitFor();
  const saved = (await apiCall("GET", "/reports")).body.data.find((r) => r.name === "Open amount by stage");
  assert.equal(saved.chart, "bar");
  assert.equal(saved.shared, true);
  assert.deepEqual(saved.definition.group_by, [{ field: "stage" }]);
  assert.deepEqual(saved.definition.aggregates, ["sum(amount)"]);
  assert.equal(saved.definition.filter, 'stage != "lost"');

  // Editing opens the report as saved; a change is PATCHed.
  await listed.getByRole("link", { name: "Edit Open amount by stage" }).click();
  await page.waitForURL(new RegExp(`/reports/${saved.id}/edit$`));
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Open amount by stage");
  assert.equal(await page.getByLabel("Group by level 1 field").inputValue(), "stage");
  await page.getByLabel("Description").fill("Every deal not lost");
  await page.getByRole("button", { name: "Save report" }).click();
  await page.waitForURL(/\/reports$/);
  assert.equal((await apiCall("GET", `/reports/${saved.id}`)).body.description, "Every deal not lost");

  // On a phone the builder stacks and nothing scrolls sideways.
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 375, height: 812 });
  await phone.goto(`${server.url}/reports/${saved.id}/edit`);
  await phone.getByRole("region", { name: "Preview" }).locator("canvas").waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the builder scrolls sideways by ${overflow}px`);
  await shot(phone, "13-report-builder-phone");
  await phone.close();

  // The Sales dashboard gets the report as a full-width widget, moved up a row.
  await page.goto(`${server.url}/dashboards`);
  await page.waitForURL(/\/dashboards\/[0-9a-f-]+/);
  const dashboardId = new URL(page.url()).pathname.split("/")[2];
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.waitForURL(new RegExp(`/dashboards/${dashboardId}/edit$`));
  await page.getByRole("heading", { name: "Edit dashboard", level: 1 }).waitFor();
  await page.getByLabel("Report", { exact: true }).selectOption({ label: "Open amount by stage" });
  await page.locator("#add-widget-width").selectOption("12");
  await page.getByRole("button", { name: "+ Add widget" }).click();
  const moveEarlier = page.getByRole("button", { name: "Move Open amount by stage earlier" });
  await moveEarlier.focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  assert.equal(await moveEarlier.evaluate((b) => b === document.activeElement), true, "the moved widget's button keeps the focus");
  await shot(page, "14-dashboard-editor");
  await page.getByRole("button", { name: "Save dashboard" }).click();
  await page.waitForURL(new RegExp(`/dashboards/${dashboardId}$`));
  await page.reload();
  const widget = page.getByRole("region", { name: "Open amount by stage" });
  await widget.locator("canvas").waitFor();
  const board = (await apiCall("GET", `/dashboards/${dashboardId}`)).body;
  assert.equal(board.widgets.length, 9);
  const added = board.widgets.find((w) => w.report_id === saved.id);
  // Two places earlier: after the KPI tiles, before the two rows of charts.
  assert.deepEqual([added.x, added.y, added.w], [0, 6, 12]);
  // It follows the dashboard's period on the deals' close dates.
  assert.equal(added.date_field, "close_date");
  await widget.scrollIntoViewIfNeeded();
  await shot(page, "15-dashboard-with-new-widget");
});

test("build a report of the sales cycle: the average days from a deal's creation to its close date, by stage", async () => {
  await page.goto(`${server.url}/reports/new`);
  await page.getByRole("heading", { name: "New report", level: 1 }).waitFor();
  await page.getByLabel("Report on").selectOption("opportunities");
  await page.getByRole("radio", { name: /Summary/ }).check();
  await page.getByLabel("Group by level 1 field").selectOption("stage");
  await page.getByLabel("Measure 1 function").selectOption("avg");
  // An average of a date is a duration: it is counted from the record's creation unless another date is chosen.
  await page.getByLabel("Measure 1 field").selectOption("close_date");
  const since = page.getByLabel("Measure 1 since");
  assert.equal(await since.inputValue(), "created_at");
  await since.selectOption("created_at");
  const cycle = "avg(close_date - created_at)";
  await page.getByLabel("Sort by").selectOption(cycle);
  await page.getByLabel("Direction").selectOption("desc");
  await page.getByLabel("Shown as").selectOption("table");
  const expected = await apiCall("POST", "/reports/run", { type: "summary", object: "opportunities", group_by: ["stage"], aggregates: [cycle], sort: `-${cycle}` });
  assert.equal(expected.status, 200, JSON.stringify(expected.body));
  // The preview shows the server's figures, in days to a tenth.
  const preview = page.getByRole("region", { name: "Preview" });
  await preview.locator(".report-table-wrap th", { hasText: "Average Close date − Created (days)" }).waitFor();
  const rows = preview.locator(".report-table-wrap .report-table tbody tr");
  const days = expected.body.rows.map((r) => r[cycle]).find((v) => v !== null);
  assert.ok(days !== undefined, JSON.stringify(expected.body));
  const shown = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 }).format(Number(days));
  await until(() => rows.allInnerTexts(), (texts) => texts.length === expected.body.rows.length && texts.some((t) => t.includes(shown)), { what: `the sales cycle ${shown}` });

  // Saved as the server writes a duration, and read back into the builder as it was built.
  await page.getByLabel("Name", { exact: true }).fill("Sales cycle by stage");
  await page.getByRole("button", { name: "Save report" }).click();
  await page.waitForURL(/\/reports$/);
  const saved = (await apiCall("GET", "/reports")).body.data.find((r) => r.name === "Sales cycle by stage");
  assert.deepEqual(saved.definition.aggregates, [cycle]);
  assert.equal(saved.definition.sort, `-${cycle}`);
  await page.goto(`${server.url}/reports/${saved.id}/edit`);
  await page.getByRole("heading", { name: "Edit “Sales cycle by stage”", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("Measure 1 function").inputValue(), "avg");
  assert.equal(await page.getByLabel("Measure 1 field").inputValue(), "close_date");
  assert.equal(await page.getByLabel("Measure 1 since").inputValue(), "created_at");
  assert.equal(await page.getByLabel("Sort by").inputValue(), cycle);
  await until(() => rows.allInnerTexts(), (texts) => texts.some((t) => t.includes(shown)), { what: "the saved report's sales cycle" });
  await page.getByRole("button", { name: "Save report" }).click();
  await page.waitForURL(/\/reports$/);
  assert.deepEqual((await apiCall("GET", `/reports/${saved.id}`)).body.definition, saved.definition);
});

test("an administrator keeps the open pipeline's history as daily snapshots, and reports on it", async () => {
  await page.goto(`${server.url}/settings/snapshots`);
  await page.getByRole("heading", { name: "Snapshots", level: 1 }).waitFor();
  await page.getByRole("button", { name: "New snapshot" }).click();
  const dialog = page.getByRole("dialog", { name: "New snapshot" });
  // A broken filter is refused on its field, and nothing is made.
  await dialog.getByLabel("Only those where").fill("stage =");
  await dialog.getByRole("button", { name: "Make snapshot" }).click();
  await dialog.locator("#snapshot-filter-error").waitFor();
  assert.equal((await apiCall("GET", "/snapshots")).body.data.length, 0);
  await dialog.getByLabel("Only those where").fill('stage not in ("won", "lost")');
  await dialog.getByRole("button", { name: "Make snapshot" }).click();
  await dialog.waitFor({ state: "detached" });
  const row = page.locator("table.snapshots tbody tr").filter({ hasText: "Open pipeline" });
  await row.getByRole("button", { name: "Take now" }).click();
  await row.getByText(/Copied \d+ records? for/).waitFor();
  await shot(page, "16-snapshots");
  // The copies are records of an object like any other: one per open deal, listed in the app.
  const open = encodeURIComponent('stage not in ("won", "lost")');
  const deals = await apiCall("GET", `/objects/opportunities?count=true&limit=1&filter=${open}`);
  const copies = await apiCall("GET", "/objects/opportunities_snapshots?count=true&limit=1");
  assert.equal(copies.body.total, deals.body.total);
  await row.getByRole("link", { name: "Opportunity snapshots" }).click();
  await page.getByRole("heading", { name: "Opportunity snapshots", level: 1 }).waitFor();
});

test("a new deal's amount starts in the workspace's currency, which follows Settings → Workspace without a reload", async () => {
  // No exchange rates yet (the next test adds them), so the currency may change.
  assert.equal((await apiCall("GET", "/settings/exchange-rates")).body.data.length, 0);
  await page.goto(`${server.url}/o/opportunities/new`);
  const amountCurrency = page.getByLabel("Amount currency");
  await until(() => amountCurrency.inputValue(), (v) => v === "USD", { what: "the workspace's currency, USD" });

  // Changed in the settings, and new forms in this tab start in euros from then on.
  const sidebar = page.getByRole("navigation", { name: "Objects" });
  await sidebar.getByRole("link", { name: "Settings", exact: true }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Workspace" }).click();
  await page.getByRole("heading", { name: "Workspace", level: 1 }).waitFor();
  const currency = page.locator("#workspace-currency");
  await until(() => currency.inputValue(), (v) => v === "USD", { what: "the saved currency" });
  await currency.fill("EUR");
  await page.getByRole("button", { name: "Save settings" }).click();
  await until(async () => (await apiCall("GET", "/settings/workspace")).body.currency, (c) => c === "EUR", { what: "the new currency" });
  await page.getByText("Workspace settings saved.").waitFor();
  await sidebar.getByRole("link", { name: "Opportunities", exact: true }).click();
  await page.getByRole("link", { name: "New opportunity" }).click();
  await page.getByRole("heading", { name: "New opportunity" }).waitFor();
  assert.equal(await amountCurrency.inputValue(), "EUR");
  await page.getByLabel("Name", { exact: true }).fill("Lindqvist fleet renewal");
  await page.getByLabel("Amount", { exact: true }).fill("7300");
  await page.getByLabel("Stage").selectOption("qualification");
  await page.getByLabel("Close date").fill("2027-06-30");
  await page.getByRole("button", { name: "Create opportunity" }).click();
  await page.getByRole("heading", { name: "Lindqvist fleet renewal" }).waitFor();
  await page.getByText("€7,300.00").first().waitFor();
  const saved = await apiCall("GET", `/objects/opportunities?filter=${encodeURIComponent('name = "Lindqvist fleet renewal"')}`);
  assert.deepEqual(saved.body.data[0].amount, { amount: "7300.00", currency: "EUR" });

  // Back to dollars, as the next test expects.
  const restored = await apiCall("PATCH", "/settings/workspace", { currency: "USD" });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
});

test("an administrator sets the workspace's currency and an exchange rate, and a report converts the deals' money with it", async () => {
  await page.goto(`${server.url}/settings`);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Workspace" }).click();
  await page.waitForURL(/\/settings\/workspace$/);
  await page.getByRole("heading", { name: "Workspace", level: 1 }).waitFor();
  // The demo's deals are in euros; the workspace reports in pounds.
  const currency = page.locator("#workspace-currency");
  await until(() => currency.inputValue(), (v) => v === "USD", { what: "the saved currency" });
  await currency.fill("GBP");
  await page.getByRole("button", { name: "Save settings" }).click();
  await until(async () => (await apiCall("GET", "/settings/workspace")).body.currency, (c) => c === "GBP", { what: "the new currency" });

  // Rates the server refuses are named on their controls, and nothing is added.
  const rates = page.getByRole("region", { name: "Exchange rates" });
  await rates.getByLabel("Currency").fill("GBP");  // the workspace's own
  await rates.getByLabel("First day").fill("2000-01-01");
  await rates.getByLabel(/^Rate/).fill("0.85");
  await rates.getByRole("button", { name: "Add rate" }).click();
  await page.locator("#rate-currency-error[role=alert]").waitFor();
  await rates.getByLabel("Currency").fill("EUR");
  await rates.getByLabel(/^Rate/).fill("-1");
  await rates.getByRole("button", { name: "Add rate" }).click();
  await page.locator("#rate-value-error[role=alert]").waitFor();
  assert.equal(await page.locator("#rate-currency-error[role=alert]").count(), 0);
  assert.equal((await apiCall("GET", "/settings/exchange-rates")).body.data.length, 0);
  await rates.getByLabel(/^Rate/).fill("0.85");
  await rates.getByRole("button", { name: "Add rate" }).click();
  const row = rates.locator("table.exchange-rates tbody tr").filter({ hasText: "EUR" });
  await row.waitFor();
  assert.match(await row.innerText(), /2000-01-01.*0\.85/s);
  assert.deepEqual(await axeViolations(page), []);
  await shot(page, "17-workspace-settings");
  // The rates are into pounds: the currency no longer changes, and says why on its control.
  await currency.fill("USD");
  await page.getByRole("button", { name: "Save settings" }).click();
  await until(() => page.locator("#workspace-currency-error").innerText().catch(() => ""), (t) => /rates/i.test(t), { what: "the currency's error" });
  await currency.fill("GBP");

  // A summary of the deals' amounts, converted at each deal's close date.
  await page.goto(`${server.url}/reports/new`);
  await page.getByRole("heading", { name: "New report", level: 1 }).waitFor();
  await page.getByLabel("Report on").selectOption("opportunities");
  await page.getByRole("radio", { name: /Summary/ }).check();
  await page.getByRole("button", { name: "Remove Group by level 1" }).click();
  await page.getByLabel("Measure 1 function").selectOption("sum");
  await page.getByLabel("Measure 1 field").selectOption("amount");
  await page.getByLabel("Shown as").selectOption("table");
  const convert = page.getByLabel("Convert to GBP");
  await convert.check();
  await page.getByLabel("Rate of").selectOption("close_date");
  const definition = { type: "summary", object: "opportunities", aggregates: ["sum(amount)"] };
  const apart = await apiCall("POST", "/reports/run", definition);
  const converted = await apiCall("POST", "/reports/run", { ...definition, convert: true, rate_date: "close_date" });
  assert.equal(converted.status, 200, JSON.stringify(converted.body));
  const euros = apart.body.rows.find((r) => r["sum(amount)"].currency === "EUR")["sum(amount)"].amount;
  const pounds = converted.body.rows.find((r) => r["sum(amount)"].currency === "GBP")["sum(amount)"].amount;
  assert.equal(Number(pounds).toFixed(2), (Number(euros) * 0.85).toFixed(2));
  // The preview shows the same: pounds, and any currency without a rate apart.
  const preview = page.getByRole("region", { name: "Preview" });
  const rows = preview.locator(".report-table-wrap .report-table tbody tr");
  const shown = new Intl.NumberFormat("en-US", { style: "currency", currency: "GBP", maximumFractionDigits: 2 }).format(Number(pounds));
  await until(() => rows.allInnerTexts(), (texts) => texts.length === converted.body.rows.length && texts.some((t) => t.includes(shown)), { what: `the converted total ${shown}` });
  await page.locator(".content").evaluate((c) => c.scrollTo(0, 0));
  await shot(page, "18-report-builder-converted");

  // Saved, and read back as saved when edited.
  await page.getByLabel("Name", { exact: true }).fill("Pipeline in pounds");
  await page.getByRole("button", { name: "Save report" }).click();
  await page.waitForURL(/\/reports$/);
  const saved = (await apiCall("GET", "/reports")).body.data.find((r) => r.name === "Pipeline in pounds");
  assert.equal(saved.definition.convert, true);
  assert.equal(saved.definition.rate_date, "close_date");
  await page.goto(`${server.url}/reports/${saved.id}/edit`);
  assert.equal(await page.getByLabel("Convert to GBP").isChecked(), true);
  assert.equal(await page.getByLabel("Rate of").inputValue(), "close_date");
  await until(() => rows.allInnerTexts(), (texts) => texts.some((t) => t.includes(shown)), { what: "the saved report's converted total" });
});

test("Ctrl-K finds records and commands", async () => {
  await page.goto(`${server.url}/`);
  await page.getByRole("heading", { name: /Good (morning|afternoon|evening)/ }).waitFor();
  await page.keyboard.press("Control+k");
  const box = page.getByRole("combobox", { name: "Search records and commands" });
  await box.fill("Nadia");
  await page.getByRole("option", { name: /Nadia Okafor/ }).waitFor();
  await shot(page, "06-command-palette");
  await box.press("Enter");
  await page.getByRole("heading", { name: "Nadia Okafor" }).waitFor();
  await page.keyboard.press("Control+k");
  await box.fill("new deal");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+k");
  await page.getByRole("combobox", { name: "Search records and commands" }).fill("go to leads");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/o\/leads$/);
});

test("offline, a recently viewed record still opens, and the app says it is offline", async () => {
  const found = await apiCall("GET", `/objects/companies?filter=${encodeURIComponent('name = "Zephyr Analytics"')}`);
  const recordUrl = `${server.url}/o/companies/${found.body.data[0].id}`;
  await page.goto(recordUrl);
  await page.getByRole("heading", { name: "Zephyr Analytics" }).waitFor();
  // The service worker controls the page once it has claimed it; then the visit above is cached.
  await until(() => page.evaluate(() => navigator.serviceWorker.controller !== null), Boolean, { what: "the service worker" });
  await page.reload();
  await page.getByRole("heading", { name: "Zephyr Analytics" }).waitFor();
  await context.setOffline(true);
  try {
    await page.reload();
    await page.getByRole("heading", { name: "Zephyr Analytics" }).waitFor();
    await page.getByText("zephyr-analytics.example").first().waitFor();
    await page.getByRole("status").filter({ hasText: "You are offline" }).waitFor();
    // What could not be loaded is said, not shown as empty.
    await page.getByRole("alert").filter({ hasText: "Some of the timeline could not be loaded" }).waitFor();
    assert.equal(await page.locator('header img, .brand img').first().evaluate((img) => img.complete && img.naturalWidth > 0), true);
    await shot(page, "12-offline-record");
  } finally {
    await context.setOffline(false);
  }
});

test("the app is installable: Chromium finds no reason not to offer it", async () => {
  const profile = await launchProfile();
  try {
    const p = profile.context.pages()[0] ?? (await profile.context.newPage());
    await p.goto(`${server.url}/login`);
    await p.getByRole("heading", { name: "Sign in to Rapport" }).waitFor();
    const cdp = await profile.context.newCDPSession(p);
    const manifest = await cdp.send("Page.getAppManifest");
    assert.deepEqual(manifest.errors, []);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    assert.deepEqual(installabilityErrors, []);
  } finally {
    await profile.close();
  }
});

test("the main pages have no serious or critical accessibility violations, in light and dark", async () => {
  const pages = ["/", "/o/companies", "/o/opportunities/new", "/o/opportunities/board", "/settings/profile", "/settings/objects/companies",
    "/settings/users", "/settings/roles", "/settings/sharing", "/settings/sign-in", "/settings/snapshots", "/settings/workspace", "/dashboards", "/kpis", "/reports", "/reports/new", "/dashboards/new"];
  const record = await apiCall("GET", "/objects/companies?limit=1&sort=name");
  pages.push(`/o/companies/${record.body.data[0].id}`);
  // The dashboard editor with widgets (the Sales dashboard's).
  const boards = await apiCall("GET", "/dashboards");
  pages.push(`/dashboards/${boards.body.data.find((d) => d.name === "Sales").id}/edit`);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => localStorage.removeItem("rapport:theme"));
    for (const path of pages) {
      await page.goto(`${server.url}${path}`);
      await page.locator("main h1").first().waitFor();
      await page.waitForLoadState("networkidle");
      assert.deepEqual(await axeViolations(page), [], `${scheme} ${path}`);
    }
    if (scheme === "dark") {
      await page.goto(`${server.url}/o/opportunities`);
      await page.getByRole("row").nth(2).waitFor();
      await shot(page, "08-list-dark");
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
});

test("on a 375 px phone the list becomes cards and the record page stacks", async () => {
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, ...CONTEXT });
  const p = await phone.newPage();
  await signIn(p, server.url);
  await p.getByRole("heading", { name: /Good/ }).waitFor();
  await p.goto(`${server.url}/o/people`);
  await p.locator(".record-card").first().waitFor();
  assert.equal(await p.locator('[role="table"]').count(), 0);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await shot(p, "09-phone-list");
  const first = p.locator(".record-card a").first();
  const name = (await first.locator("strong").textContent()).trim();
  await first.click();
  await p.waitForURL(/\/o\/people\/[0-9a-f-]{36}$/);
  await p.getByRole("heading", { name, level: 1 }).waitFor();
  await p.locator(".record-side").waitFor();
  const [main, side] = await Promise.all([p.locator(".record-main").boundingBox(), p.locator(".record-side").boundingBox()]);
  assert.ok(side.y >= main.y + main.height - 1, "the timeline is below the fields");
  await shot(p, "10-phone-record");
  await p.getByRole("button", { name: "Menu" }).click();
  await p.getByRole("navigation", { name: "Objects" }).getByRole("link", { name: "Opportunities" }).click();
  await p.waitForURL(/\/o\/opportunities$/);
  assert.deepEqual(await axeViolations(p), []);
  await phone.close();
});

test("administration: deactivate a user, hide a field for a role, share by rule, read sign-ins, limit addresses", async () => {
  const accept = (dialog) => void dialog.accept();
  page.on("dialog", accept);
  try {
    await administer();
  } finally {
    page.off("dialog", accept);
  }
});

async function administer() {
  const dana = await apiCall("POST", "/objects/users", { name: "Dana Deactivate", email: "dana@acme.example", role: "member" });
  assert.equal(dana.status, 201);
  await page.goto(`${server.url}/settings/users`);
  await page.getByRole("button", { name: "Deactivate Dana Deactivate" }).click();
  await page.getByRole("row", { name: /Dana Deactivate/ }).getByRole("button", { name: "Reactivate" }).waitFor();
  assert.equal((await apiCall("GET", `/objects/users/${dana.body.id}`)).body.active, false);

  // Field-level security in the role editor.
  await page.goto(`${server.url}/settings/roles`);
  await page.getByRole("button", { name: "New role" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Reps");
  await page.getByLabel("Fields of").selectOption("opportunities");
  await page.getByLabel("Opportunities: Probability").selectOption("hidden");
  await page.getByLabel("Opportunities: Amount", { exact: true }).selectOption("read_only");
  await page.getByRole("button", { name: "Save role" }).click();
  await page.getByRole("button", { name: "Reps" }).waitFor();
  const roles = (await apiCall("GET", "/roles")).body.data;
  assert.deepEqual(roles.find((r) => r.name === "Reps").fields, { "opportunities.amount": "read_only", "opportunities.probability": "hidden" });

  // Sharing: a default and a rule; the server's verdict on a bad expression shows on the field.
  await page.goto(`${server.url}/settings/sharing`);
  await page.getByLabel("Opportunities: default access").selectOption("private");
  await page.getByText("Default saved.").waitFor();
  assert.equal((await apiCall("GET", "/sharing/defaults")).body.data.opportunities, "private");
  await page.getByRole("button", { name: "New rule" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Big deals");
  await page.getByLabel("Object", { exact: true }).selectOption("opportunities");
  await page.getByLabel("Records where").fill("amount >");
  await page.getByLabel("Share with").selectOption("role");
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Reps" });
  await page.getByRole("button", { name: "Save rule" }).click();
  await page.getByRole("alert").first().waitFor();
  await page.getByLabel("Records where").fill("amount > 100000");
  await page.getByRole("button", { name: "Save rule" }).click();
  await page.getByRole("cell", { name: "Big deals", exact: true }).waitFor();
  const rules = (await apiCall("GET", "/sharing/rules")).body.data;
  assert.equal(rules.length, 1);
  assert.equal(rules[0].criteria, "amount > 100000");
  assert.equal(rules[0].share_with, "role");
  await shot(page, "13-settings-sharing");

  // Sign-ins, and the allow-list (which must keep the administrator's own address).
  await page.goto(`${server.url}/settings/sign-in`);
  await page.getByRole("cell", { name: ADMIN.email }).first().waitFor();
  await page.getByText("succeeded").first().waitFor();
  await page.getByText("failed", { exact: true }).first().waitFor(); // the wrong password of the first test
  await page.getByLabel("Addresses allowed to sign in").fill("10.0.0.0/8");
  await page.getByRole("button", { name: "Save allow-list" }).click();
  await page.locator("#allowlist-error[role=alert]").waitFor();
  assert.deepEqual((await apiCall("GET", "/security/ip-allowlist")).body.cidrs, []);
  await page.getByLabel("Addresses allowed to sign in").fill("127.0.0.0/8\n::1/128");
  await page.getByRole("button", { name: "Save allow-list" }).click();
  await page.getByText("Sign-in is limited to these addresses.").waitFor();
  assert.deepEqual((await apiCall("GET", "/security/ip-allowlist")).body.cidrs, ["127.0.0.0/8", "::1/128"]);
  await shot(page, "14-settings-sign-in");
  await page.getByLabel("Addresses allowed to sign in").fill("");
  await page.getByRole("button", { name: "Save allow-list" }).click();
  await page.getByText("Sign-in is allowed from any address.").waitFor();
}

test("two-factor sign-in: enrol with the QR code's secret, then sign in with a code", async () => {
  await page.goto(`${server.url}/settings/profile`);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
  await shot(page, "11-mfa-enrol");
  const secret = (await page.locator("code.secret").textContent()).trim();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByRole("list", { name: "Recovery codes" }).waitFor();
  recoveryCodes = await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
  assert.equal(recoveryCodes.length, 10);
  await page.getByRole("button", { name: "I have saved them" }).click();

  await page.getByRole("button", { name: /^Account/ }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Rapport" }).waitFor();
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("alert").waitFor();
  // The code of the next 30 s step (the current one was spent on enrolment).
  await page.getByLabel("Authentication code").fill(totp(secret, Date.now() + 30000));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/settings\/profile$/);
  await page.goto(`${server.url}/`);
  await page.getByRole("heading", { name: /Good (morning|afternoon|evening)/ }).waitFor();
  await shot(page, "00-home");
});

test("an expired session returns to the sign-in page, and back to where the user was (with a recovery code)", async () => {
  await page.goto(`${server.url}/o/leads`);
  await page.getByRole("heading", { name: "Leads" }).waitFor();
  await apiCall("POST", "/auth/logout"); // the server ends the session behind the app's back
  await page.getByRole("navigation", { name: "Objects" }).getByRole("link", { name: "Companies" }).click();
  await page.getByText("Your session has ended").waitFor();
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // A recovery code instead of the app's (the app's next codes were spent above).
  await page.getByLabel("Authentication code").fill(recoveryCodes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/o\/companies$/);
});
