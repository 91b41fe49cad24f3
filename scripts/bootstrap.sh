#!/usr/bin/env bash
# Installs the Debian 12 packages orgledger builds with, when any is missing
# (and gdb: the crash matrix takes the stacks of a child that hangs;
# PostgreSQL 15: the PostgreSQL store's tests start a private server;
# Node.js and npm: the API tests; libcurl: SMTP; python3-aiosmtpd: the
# mail tests' SMTP server; chromium: the pages' browser tests, driven by
# playwright-core from npm with this system browser), then the npm packages of package-lock.json
# into ./node_modules when they are not there or the lock file changed.
# Idempotent and quick when nothing is missing (one dpkg-query). Run as root,
# or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libcereal-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libcli11-dev
  postgresql-15 libpq-dev
  libcurl4-openssl-dev python3-aiosmtpd
  chromium fonts-dejavu-core
  gdb curl jq
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Any Node.js 18 or later will do (Debian's, or one installed otherwise).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

npm_packages() {
  cd "$(dirname "$0")/.."
  if [[ ! -f node_modules/.package-lock.json ||
        package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "bootstrap: npm ci (package-lock.json)" >&2
    npm ci --no-audit --no-fund --loglevel=error
  fi
}
if [[ ${#missing[@]} -eq 0 ]]; then
  npm_packages
  exit 0
fi

# Boost 1.81 and the default libboost-dev (1.74) conflict: keep only 1.81.
echo "bootstrap: installing ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_packages
