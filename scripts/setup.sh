#!/usr/bin/env bash
# Installs what Rapport needs to build and test, skipping what is already present.
# Idempotent: safe to run before every build. Uses sudo only when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev postgresql libsodium-dev libspdlog-dev libfmt-dev libcli11-dev
  libhowardhinnant-date-dev tzdata libxlsxwriter-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev libssl-dev libqrencode-dev zlib1g-dev openssl curl unzip
  python3-aiosmtpd
  wrk clang-16 libclang-rt-16-dev
  chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# The web app is built with Node.js 20.19+ (Vite 7). Debian 12's own nodejs is 18: a
# machine without a recent enough Node gets Debian's, and the build says why it fails.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Vite 7 takes Node ^20.19 or >=22.12 and refuses others with a cryptic error; say what is
# wrong and how to fix it.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
  echo "setup: the web app needs Node.js 20.19+ or 22.12+; this machine has $(node --version)." >&2
  echo "setup: install a newer Node.js (for example from NodeSource's Debian packages) and run make again." >&2
  exit 1
fi

# The web app's npm packages, exactly as package-lock.json pins them; again only when
# the lock file changed since the last install.
web="$(dirname "$0")/../web"
if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  echo "setup: installing the web app's npm packages"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
