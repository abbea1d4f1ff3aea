#!/usr/bin/env bash
# make run: initialise the data directory on first run (tenant, admin, demo data),
# then serve. The admin password and an API token are printed once, at creation.
set -euo pipefail
bin="$1"; data="$2"; listen="$3"
if [ ! -f "$data/rapport.db" ]; then
  "$bin" init --data "$data" --admin-email admin@example.com --tenant "Demo"
  "$bin" demo --data "$data"
else
  echo "Using the existing workspace in $data (delete it to start over)."
  echo "Sign in as admin@example.com with the password printed when it was created;"
  echo "a new API token: $bin token create --data $data --email admin@example.com"
fi
echo "Rapport is starting on http://$listen"
exec "$bin" serve --data "$data" --listen "$listen"
