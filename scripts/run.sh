#!/usr/bin/env bash
# make run: initialise the data directory on first run, then serve.
set -euo pipefail
bin="$1"; data="$2"; listen="$3"
if [ ! -f "$data/rapport.db" ]; then
  "$bin" init --data "$data" --admin-email admin@example.com --tenant "Demo"
  "$bin" demo --data "$data"
fi
echo "Rapport is starting on http://$listen"
exec "$bin" serve --data "$data" --listen "$listen"
