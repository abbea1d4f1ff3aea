#!/usr/bin/env bash
# make bench: measures Rapport against its own ceilings in one run and rewrites
# docs/benchmarks.md. HTTP ceiling = /healthz; storage ceiling = the same queries
# straight through the SQLite C API or libpq. Sizes: BENCH_SIZES (default "100000
# 1000000"); backends: BENCH_BACKENDS (default "sqlite postgresql").
set -euo pipefail
BUILD="${1:-build}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/$BUILD/rapport"
TOOL="$ROOT/$BUILD/bench/bench_tool"
SIZES="${BENCH_SIZES:-100000 1000000}"
DURATION="${BENCH_SECONDS:-10}"
OUT="$ROOT/docs/benchmarks.md"
WORK="$ROOT/$BUILD/bench-data"
command -v wrk >/dev/null || { echo "wrk is missing (scripts/setup.sh installs it)"; exit 1; }

declare -A R  # results: R[size.key]=value

wrk_run() {  # wrk_run RUNKEY KEY CONNECTIONS SCRIPT PATH   (IDS: the sampled ids file)
  local size=$1 key=$2 conns=$3 script=$4 path=$5 out
  out=$(IDS_FILE="$IDS" wrk -t1 -c"$conns" -d"${DURATION}s" --latency \
        -H "Authorization: Bearer $TOKEN" ${script:+-s "$ROOT/bench/$script"} "http://127.0.0.1:$PORT$path")
  R[$size.$key.rps]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  R[$size.$key.p50]=$(awk '$1=="50%" {print $2}' <<<"$out")
  R[$size.$key.p99]=$(awk '$1=="99%" {print $2}' <<<"$out")
  local non2xx; non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  R[$size.$key.errors]=${non2xx:-0}
}

# PostgreSQL: a private cluster for the run (stock settings but shared_buffers, so
# commits fsync as in production), started the way the tests start theirs.
PG_BIN=""; PG_DIR=""; PG_PORT=""; RUN_AS=""
start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL is missing (scripts/setup.sh installs it)"; exit 1; }
  PG_DIR=$(mktemp -d /tmp/rapport-bench-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; RUN_AS="runuser -u postgres --"; fi
  PG_PORT=$((19000 + RANDOM % 1000))
  $RUN_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U rapport -E UTF8 --locale=C >/dev/null
  $RUN_AS "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=50" >/dev/null
  trap stop_postgres EXIT
}
stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  $RUN_AS "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
new_pg_db() {  # new_pg_db NAME -> prints its URL
  $RUN_AS "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U rapport "$1"
  echo "postgresql://rapport@127.0.0.1:$PG_PORT/$1"
}

BACKENDS="${BENCH_BACKENDS:-sqlite postgresql}"
LARGEST=$(printf '%s\n' $SIZES | sort -n | tail -1)
ACTIVITIES="${BENCH_ACTIVITIES:-$LARGEST}"
[[ " $BACKENDS " == *" postgresql "* ]] && start_postgres

bench_one() {  # bench_one BACKEND SIZE
  local backend=$1 size=$2 dir="$WORK/$backend-$2" db_args key
  key="$backend.$size"
  rm -rf "$dir"; mkdir -p "$dir"
  if [ "$backend" = sqlite ]; then
    db_args=(--data "$dir"); url="sqlite:$dir/rapport.db"
  else
    url=$(new_pg_db "bench_$size"); db_args=(--db "$url")
  fi
  local init_out; init_out=$("$BIN" init "${db_args[@]}" --admin-email admin@example.com --tenant Bench)
  TOKEN=$(awk '/API token/ {print $3}' <<<"$init_out")
  local password; password=$(awk '/admin password/ {print $3}' <<<"$init_out")
  echo "== $backend, $size people: seeding through the engine's batch path"
  while read -r k v; do R[$key.$k]=$v; done < <("$TOOL" seed "$url" "$dir/ids.txt" "$size")
  echo "== $backend, $size: raw ceiling"
  if [ "$backend" = sqlite ]; then
    while read -r k v; do R[$key.$k]=$v; done < <("$TOOL" raw "$dir")
    R[$key.db_mb]=$(du -m "$dir/rapport.db" | cut -f1)
  else
    while read -r k v; do R[$key.$k]=$v; done < <("$TOOL" raw-pg "$url" "$dir/ids.txt")
    R[$key.db_mb]=$(psql_size "$url")
  fi

  local member_token; member_token=$("$TOOL" access "$url")
  PORT=$((18000 + RANDOM % 1000))
  # Start-up: the median of three starts, exec to the first /healthz answer. Reports'
  # results are not kept (--report-cache-mb 0): the aggregate below is timed computing,
  # not given again from its first run.
  starts=()
  for attempt in 1 2 3 4; do
    start_ns=$(date +%s%N)
    "$BIN" serve "${db_args[@]}" --listen "127.0.0.1:$PORT" --threads 2 --no-access-log --report-cache-mb 0 \
      > "$dir/serve.log" 2>&1 &
    SERVER=$!
    until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.002; done
    [ "$attempt" -gt 1 ] && starts+=($(( ($(date +%s%N) - start_ns) / 1000000 )))
    [ "$attempt" -lt 4 ] && { kill -TERM "$SERVER"; wait "$SERVER" || true; }
  done
  R[$key.startup_ms]=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)

  echo "== $backend, $size: HTTP"
  IDS="$dir/ids.txt"
  wrk_run "$key" healthz 64 "" /healthz
  wrk_run "$key" get 16 get_by_id.lua /
  wrk_run "$key" list 16 list.lua /
  # The same list as a member who sees half the people through a team sharing rule.
  local admin_token=$TOKEN; TOKEN=$member_token
  wrk_run "$key" list_shared 16 list.lua /
  TOKEN=$admin_token
  wrk_run "$key" list_same 16 list_same_rows.lua /
  wrk_run "$key" aggregate 1 aggregate.lua /
  wrk_run "$key" create 16 create.lua /api/v1/objects/people
  wrk_run "$key" batch 2 batch.lua /api/v1/objects/people/batch
  R[$key.rss_mb]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
  # The web app in Chromium: the list page's cold load and a deep scroll (SQLite only:
  # the browser measures the app; the backends' difference shows in the rows above).
  if [ "$backend" = sqlite ] && [ -f "$ROOT/web/dist/index.html" ]; then
    echo "== $backend, $size: web app"
    while read -r k v; do R[$key.$k]=$v; done < <(node "$ROOT/bench/web_load.mjs" "http://127.0.0.1:$PORT" admin@example.com "$password" people)
  fi
  kill -TERM "$SERVER"; wait "$SERVER" || true

  # Moving the tenant out as an archive (and, from SQLite, into PostgreSQL).
  local start_ns rows
  start_ns=$(date +%s%N)
  "$BIN" export-tenant "${db_args[@]}" "$dir/tenant.rapport" >/dev/null
  R[$key.export_s]=$(awk -v ns=$(( $(date +%s%N) - start_ns )) 'BEGIN { printf "%.1f", ns/1e9 }')
  rows=$(tail -1 "$dir/tenant.rapport" | sed 's/.*"rows":\([0-9]*\).*/\1/')
  R[$key.archive_rows]=$rows
  R[$key.archive_mb]=$(du -m "$dir/tenant.rapport" | cut -f1)
  if [ "$backend" = sqlite ] && [ -n "$PG_DIR" ]; then
    local target; target=$(new_pg_db "move_$size")
    start_ns=$(date +%s%N)
    "$BIN" import-tenant --db "$target" "$dir/tenant.rapport" >/dev/null
    R[$key.import_pg_s]=$(awk -v ns=$(( $(date +%s%N) - start_ns )) 'BEGIN { printf "%.1f", ns/1e9 }')
  fi
  rm -f "$dir/tenant.rapport"

  # Reports, at the largest size only: deals and activities are added to the tenant,
  # then reports run through the engine against the same hand-written SQL.
  if [ "$size" = "$LARGEST" ]; then
    echo "== $backend, $size: reports over $size deals and $ACTIVITIES activities"
    while read -r k v; do R[$key.$k]=$v; done < <("$TOOL" reports "$url" "$size" "$ACTIVITIES")
  fi
}

psql_size() {  # psql_size URL -> the database's size in MB
  "$PG_BIN/psql" -Atc "SELECT pg_database_size(current_database()) / 1048576" "$1"
}

for size in $SIZES; do
  for backend in $BACKENDS; do bench_one "$backend" "$size"; done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100*a/b; else print "n/a" }'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
# wrk's latency text ("850.12us", "12.34ms", "1.20s") in milliseconds.
to_ms() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /[0-9]s$/ && t !~ /ms$/) v *= 1000; printf "%.2f", v }'; }
per_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a/b; else print "n/a" }'; }

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), commit $(git -C "$ROOT" rev-parse --short HEAD),"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), server with 2 threads, load from \`wrk -t1\`"
  echo "on the same machine (it shares the 2 cores), ${DURATION}s per figure. Backends: $BACKENDS."
  echo "PostgreSQL $("$PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}') is a private cluster on loopback with stock settings except"
  echo "shared_buffers=256MB (so every commit is fsynced, as in production; SQLite runs WAL with"
  echo "synchronous=NORMAL, which does not fsync per commit)."
  echo "Ratios are within one run: the API against /healthz (the HTTP ceiling) and against the"
  echo "same query straight through the database's C library (SQLite C API / libpq: one"
  echo "connection, prepared statements, the same transaction per read; the storage ceiling)."
  echo
  for size in $SIZES; do
    echo "## $size people ($(( size / 10 )) companies)"
    echo
    header="| measure |"; rule="|---|"
    for b in $BACKENDS; do header+=" $b |"; rule+="---|"; done
    echo "$header"; echo "$rule"
    row() {  # row LABEL FUNCTION: FUNCTION KEY prints one cell
      local line="| $1 |"
      for b in $BACKENDS; do line+=" $($2 "$b.$size") |"; done
      echo "$line"
    }
    c_db() { echo "${R[$1.db_mb]} MB"; }
    c_healthz() { echo "${R[$1.healthz.rps]} req/s, p99 ${R[$1.healthz.p99]}"; }
    c_get() { echo "${R[$1.get.rps]} req/s, p99 ${R[$1.get.p99]}: $(ratio "${R[$1.get.rps]}" "${R[$1.healthz.rps]}") of /healthz, $(ratio "${R[$1.get.rps]}" "${R[$1.raw_get_by_id_per_s]}") of raw (${R[$1.raw_get_by_id_per_s]}/s, 1 connection)"; }
    c_list() { echo "${R[$1.list.rps]} req/s, p50 ${R[$1.list.p50]}, p99 ${R[$1.list.p99]}; raw ${R[$1.raw_list_per_s]}/s, p99 ${R[$1.raw_list_p99_ms]}ms"; }
    c_shared() { echo "${R[$1.list_shared.rps]} req/s, p50 ${R[$1.list_shared.p50]}, p99 ${R[$1.list_shared.p99]}: $(times "${R[$1.list.rps]}" "${R[$1.list_shared.rps]}")x the administrator's time per request for the whole list; $(times "${R[$1.list_same.rps]}" "${R[$1.list_shared.rps]}")x for the same rows (administrator: ${R[$1.list_same.rps]} req/s, p99 ${R[$1.list_same.p99]})"; }
    c_create() { echo "${R[$1.create.rps]} req/s, p99 ${R[$1.create.p99]}: $(ratio "${R[$1.create.rps]}" "${R[$1.healthz.rps]}") of /healthz"; }
    c_batch() { local rows=$(( ${R[$1.batch.rps]:-0} * 1000 )); echo "$rows rows/s: $(ratio "$rows" "${R[$1.raw_insert_per_s]}") of a raw insert loop (${R[$1.raw_insert_per_s]} rows/s)"; }
    c_seed() { echo "${R[$1.batch_create_per_s]} rows/s: $(ratio "${R[$1.batch_create_per_s]}" "${R[$1.raw_insert_per_s]}") of the raw loop"; }
    c_rss() { echo "${R[$1.rss_mb]} MB"; }
    c_start() { echo "${R[$1.startup_ms]} ms"; }
    c_export() { echo "${R[$1.export_s]} s for ${R[$1.archive_rows]} rows ($(per_s "${R[$1.archive_rows]}" "${R[$1.export_s]}") rows/s), ${R[$1.archive_mb]} MB"; }
    c_import() { if [ -n "${R[$1.import_pg_s]:-}" ]; then echo "${R[$1.import_pg_s]} s ($(per_s "${R[$1.archive_rows]}" "${R[$1.import_pg_s]}") rows/s)"; else echo "-"; fi; }
    c_web() { if [ -n "${R[$1.web_load_ms]:-}" ]; then echo "${R[$1.web_load_in_page_ms]} ms from navigation start (median of 7); ${R[$1.web_load_ms]} ms from goto(), max ${R[$1.web_load_max_ms]} ms, of which a blank page costs ${R[$1.web_blank_ms]} ms (the API call it waits for: ${R[$1.web_api_ms]} ms)"; else echo "-"; fi; }
    c_scroll() { if [ -n "${R[$1.web_scroll_rows]:-}" ]; then echo "${R[$1.web_scroll_rows]} rows in ${R[$1.web_scroll_s]} s, ${R[$1.web_scroll_dom_rows]} rows in the DOM, frames p95 ${R[$1.web_frame_p95_ms]} ms, max ${R[$1.web_frame_max_ms]} ms"; else echo "-"; fi; }
    c_aggregate() { local api; api=$(to_ms "${R[$1.aggregate.p50]}"); echo "p50 ${api} ms over HTTP (1 connection); the same SQL raw ${R[$1.raw_aggregate_p50_ms]} ms: $(times "$api" "${R[$1.raw_aggregate_p50_ms]}")x"; }
    c_report() { if [ -n "${R[$1.report_summary_ms]:-}" ]; then echo "${R[$1.report_summary_ms]} ms with subtotals and total; the rows' own statement by hand ${R[$1.report_summary_raw_ms]} ms: $(times "${R[$1.report_summary_ms]}" "${R[$1.report_summary_raw_ms]}")x"; else echo "-"; fi; }
    c_report_converted() { if [ -n "${R[$1.report_converted_ms]:-}" ]; then echo "${R[$1.report_converted_ms]} ms at each deal's dated rate (60 monthly rates), ${R[$1.report_converted_today_ms]} ms at today's; unconverted ${R[$1.report_summary_ms]} ms: $(times "${R[$1.report_converted_ms]}" "${R[$1.report_summary_ms]}")x"; else echo "-"; fi; }
    c_report_related() { if [ -n "${R[$1.report_related_ms]:-}" ]; then echo "${R[$1.report_related_ms]} ms; by hand (a LEFT JOIN, no permissions) ${R[$1.report_related_raw_ms]} ms: $(times "${R[$1.report_related_ms]}" "${R[$1.report_related_raw_ms]}")x"; else echo "-"; fi; }
    c_dashboard() { if [ -n "${R[$1.report_dashboard_ms]:-}" ]; then local w=""; for i in 1 2 3 4 5 6 7 8; do w+="${w:+, }${R[$1.report_widget${i}_ms]}"; done; echo "${R[$1.report_dashboard_api_ms]:-?} ms as the API runs it (widgets side by side); ${R[$1.report_dashboard_ms]} ms for the 8 reports one after the other (each: $w ms) over ${R[$1.report_deals]} deals and ${R[$1.report_activities]} activities; the workspace's Sales dashboard (this quarter, KPI tiles with their trend) ${R[$1.report_sales_dashboard_ms]:-?} ms"; else echo "-"; fi; }
    c_dashboard_kept() { if [ -n "${R[$1.report_dashboard_kept_ms]:-}" ]; then echo "viewed again, nothing changed: ${R[$1.report_dashboard_kept_ms]} ms (Sales dashboard ${R[$1.report_sales_dashboard_kept_ms]} ms); after an activity is logged (its 2 activity charts grown by it alone, 6 kept): ${R[$1.report_dashboard_after_activity_ms]} ms; after a deal's stage changes (the 6 over deals computed, 2 kept): ${R[$1.report_dashboard_after_deal_update_ms]:-?} ms"; else echo "-"; fi; }
    c_kpi() { if [ -n "${R[$1.report_kpi_win_rate_ms]:-}" ]; then echo "win rate ${R[$1.report_kpi_win_rate_ms]} ms (this year and the last); the same counts by hand ${R[$1.report_kpi_win_rate_raw_ms]} ms: $(times "${R[$1.report_kpi_win_rate_ms]}" "${R[$1.report_kpi_win_rate_raw_ms]}")x. All ${R[$1.report_kpis]} KPIs one after the other: ${R[$1.report_kpis_ms]} ms"; else echo "-"; fi; }
    c_mail() { if [ -n "${R[$1.report_mail_ms]:-}" ]; then echo "${R[$1.report_mail_ms]} ms to run the summary report as the recipient, write it as XLSX and wrap it in a MIME message (the report alone: ${R[$1.report_summary_ms]} ms)"; else echo "-"; fi; }
    c_save() { if [ -n "${R[$1.report_save_ms]:-}" ]; then echo "saving the top 10 accounts report ${R[$1.report_save_ms]} ms, drilling into one of its groups ${R[$1.report_drill_ms]} ms (each checks the definition without running it; running it: ${R[$1.report_widget3_ms]} ms)"; else echo "-"; fi; }
    c_snapshot() { if [ -n "${R[$1.report_snapshot_ms]:-}" ]; then echo "${R[$1.report_snapshot_rows]} open deals copied in ${R[$1.report_snapshot_ms]} ms ($(per_s "${R[$1.report_snapshot_rows]}" "$(awk -v m="${R[$1.report_snapshot_ms]}" 'BEGIN { printf "%.3f", m / 1000 }')") rows/s; seeding through the engine: ${R[$1.report_seed_deals_per_s]} rows/s); the same day again (upserts) ${R[$1.report_snapshot_again_ms]} ms"; else echo "-"; fi; }
    c_errors() { echo "healthz ${R[$1.healthz.errors]}, get ${R[$1.get.errors]}, list ${R[$1.list.errors]}, aggregate ${R[$1.aggregate.errors]}, shared list ${R[$1.list_shared.errors]}, create ${R[$1.create.errors]}, batch ${R[$1.batch.errors]}"; }
    row "database size after seeding" c_db
    row "/healthz (HTTP ceiling), 64 connections" c_healthz
    row "GET person by random id, 16 connections" c_get
    row "list: 10%-selective filter, sort, limit 50, 16 connections" c_list
    row "the same list as a member under sharing rules (sees half), 16 connections" c_shared
    row "aggregate: every person counted by job title (full scan, group by)" c_aggregate
    row "report: deals by stage and quarter, count and sum (median of 5)" c_report
    row "report: the same summary converted into the workspace's currency" c_report_converted
    row "report: deals' amounts by their company's industry (through a lookup)" c_report_related
    row "dashboard: 8 reports (deals and activities)" c_dashboard
    row "dashboard: the same 8 with results kept until their data changes" c_dashboard_kept
    row "KPIs over deals, leads and activities (period this year)" c_kpi
    row "scheduled report: one recipient's mail, short of SMTP" c_mail
    row "saving a report, drilling into a chart" c_save
    row "historical snapshot: a day's copy of the open pipeline" c_snapshot
    row "single create, 16 connections" c_create
    row "batch create over HTTP (1000 per request), 2 connections" c_batch
    row "batch create through the engine (seeding, no HTTP)" c_seed
    row "server peak RSS after the run" c_rss
    row "start-up to first /healthz answer (median of 3)" c_start
    row "export-tenant (whole tenant, one snapshot)" c_export
    row "import-tenant of that archive into PostgreSQL" c_import
    row "web app: list page cold load (new browser context, no cache) to the first row" c_web
    row "web app: scrolling the list to row 3,000 (cursor pages of 100, virtualised rows)" c_scroll
    row "non-2xx answers during the run" c_errors
    echo
  done
  if [ -f "$ROOT/bench/notes.md" ]; then cat "$ROOT/bench/notes.md"; fi
} > "$OUT"
echo "wrote $OUT"
