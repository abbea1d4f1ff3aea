#!/usr/bin/env bash
# make bench: measures Rapport against its own ceilings in one run and rewrites
# docs/benchmarks.md. HTTP ceiling = /healthz; storage ceiling = the same queries
# straight through the SQLite C API. Sizes: BENCH_SIZES (default "100000 1000000").
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

wrk_run() {  # wrk_run SIZE KEY CONNECTIONS SCRIPT PATH
  local size=$1 key=$2 conns=$3 script=$4 path=$5 out
  out=$(IDS_FILE="$WORK/$size/ids.txt" wrk -t1 -c"$conns" -d"${DURATION}s" --latency \
        -H "Authorization: Bearer $TOKEN" ${script:+-s "$ROOT/bench/$script"} "http://127.0.0.1:$PORT$path")
  R[$size.$key.rps]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  R[$size.$key.p50]=$(awk '$1=="50%" {print $2}' <<<"$out")
  R[$size.$key.p99]=$(awk '$1=="99%" {print $2}' <<<"$out")
  local non2xx; non2xx=$(awk '/Non-2xx/ {print $4}' <<<"$out")
  R[$size.$key.errors]=${non2xx:-0}
}

for size in $SIZES; do
  dir="$WORK/$size"
  rm -rf "$dir"; mkdir -p "$dir"
  TOKEN=$("$BIN" init --data "$dir" --admin-email admin@example.com --tenant Bench | awk '/API token/ {print $3}')
  echo "== $size people: seeding through the engine's batch path"
  while read -r k v; do R[$size.$k]=$v; done < <("$TOOL" seed "$dir" "$size")
  echo "== $size: raw SQLite"
  while read -r k v; do R[$size.$k]=$v; done < <("$TOOL" raw "$dir")
  R[$size.db_mb]=$(du -m "$dir/rapport.db" | cut -f1)

  PORT=$((18000 + RANDOM % 1000))
  # Start-up: the median of three starts, exec to the first /healthz answer.
  starts=()
  for attempt in 1 2 3 4; do
    start_ns=$(date +%s%N)
    "$BIN" serve --data "$dir" --listen "127.0.0.1:$PORT" --threads 2 --no-access-log > "$dir/serve.log" 2>&1 &
    SERVER=$!
    until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.002; done
    [ "$attempt" -gt 1 ] && starts+=($(( ($(date +%s%N) - start_ns) / 1000000 )))
    [ "$attempt" -lt 4 ] && { kill -TERM "$SERVER"; wait "$SERVER" || true; }
  done
  R[$size.startup_ms]=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)

  echo "== $size: HTTP"
  wrk_run "$size" healthz 64 "" /healthz
  wrk_run "$size" get 16 get_by_id.lua /
  wrk_run "$size" list 16 list.lua /
  wrk_run "$size" create 16 create.lua /api/v1/objects/people
  wrk_run "$size" batch 2 batch.lua /api/v1/objects/people/batch
  R[$size.rss_mb]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
  kill -TERM "$SERVER"; wait "$SERVER" || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100*a/b; else print "n/a" }'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), commit $(git -C "$ROOT" rev-parse --short HEAD),"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), SQLite backend, server with 2 threads,"
  echo "load from \`wrk -t1\` on the same machine (it shares the 2 cores). ${DURATION}s per figure."
  echo "Ratios are within one run: the API against /healthz (the HTTP ceiling) and against the"
  echo "same query through the SQLite C API (the storage ceiling, one thread, no HTTP)."
  echo
  for size in $SIZES; do
    echo "## $size people ($(( size / 10 )) companies, database ${R[$size.db_mb]} MB)"
    echo
    echo "| measure | result | ratio |"
    echo "|---|---|---|"
    echo "| /healthz (HTTP ceiling), 64 connections | ${R[$size.healthz.rps]} req/s, p99 ${R[$size.healthz.p99]} | 100% |"
    echo "| GET person by random id, 16 connections | ${R[$size.get.rps]} req/s, p99 ${R[$size.get.p99]} | $(ratio "${R[$size.get.rps]}" "${R[$size.healthz.rps]}") of /healthz; $(ratio "${R[$size.get.rps]}" "${R[$size.raw_get_by_id_per_s]}") of raw SQLite (${R[$size.raw_get_by_id_per_s]}/s) |"
    echo "| list: 10%-selective filter, sort, limit 50, 16 connections | ${R[$size.list.rps]} req/s, p50 ${R[$size.list.p50]}, p99 ${R[$size.list.p99]} | raw SQLite ${R[$size.raw_list_per_s]}/s, p99 ${R[$size.raw_list_p99_ms]}ms |"
    echo "| single create, 16 connections | ${R[$size.create.rps]} req/s, p99 ${R[$size.create.p99]} | $(ratio "${R[$size.create.rps]}" "${R[$size.healthz.rps]}") of /healthz |"
    echo "| batch create over HTTP (1000 per request), 2 connections | $(( ${R[$size.batch.rps]:-0} * 1000 )) rows/s | $(ratio "$(( ${R[$size.batch.rps]:-0} * 1000 ))" "${R[$size.raw_insert_per_s]}") of a raw prepared-insert loop (${R[$size.raw_insert_per_s]} rows/s, same indexes) |"
    echo "| batch create through the engine (seeding, no HTTP) | ${R[$size.batch_create_per_s]} rows/s | $(ratio "${R[$size.batch_create_per_s]}" "${R[$size.raw_insert_per_s]}") of the raw loop |"
    echo "| server peak RSS after the run | ${R[$size.rss_mb]} MB | |"
    echo "| start-up to first /healthz answer (median of 3, after one cold start) | ${R[$size.startup_ms]} ms | |"
    echo "| non-2xx answers during the run | healthz ${R[$size.healthz.errors]}, get ${R[$size.get.errors]}, list ${R[$size.list.errors]}, create ${R[$size.create.errors]}, batch ${R[$size.batch.errors]} | |"
    echo
  done
  if [ -f "$ROOT/bench/notes.md" ]; then cat "$ROOT/bench/notes.md"; fi
} > "$OUT"
echo "wrote $OUT"
