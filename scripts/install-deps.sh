#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, benchmarking and the demo need.
# Idempotent: packages already present are not touched, and apt-get runs only when something
# is missing. Nothing is downloaded any other way.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  clang clang-format clang-tidy libclang-rt-14-dev
  protobuf-compiler libprotobuf-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc grpc-proto
  golang-github-gogo-googleapis-dev
  libabsl-dev libssl-dev openssl libsqlite3-dev sqlite3
  libboost-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev libicu-dev libopencc-dev libopencc-data libjemalloc-dev
  unicode-data bzip2
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium fonts-wqy-microhei
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm drive the console's browser test; any install of them will do (Debian's by
# default).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# The browser test's one npm package (playwright-core, which drives the system chromium), at the
# version package-lock.json pins.
install_browser_test_deps() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    echo "install-deps: npm ci in tests/browser" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_browser_test_deps
  exit 0
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_browser_test_deps
echo "install-deps: done" >&2
