#!/usr/bin/env bash
# Installs the Debian packages etl needs to build and test. Idempotent: installs only
# what is missing, so a second run does nothing (and needs no network).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  antlr4 libantlr4-runtime-dev default-jre-headless
  libfmt-dev libboost-program-options-dev
  libgtest-dev nlohmann-json3-dev libre2-dev
  libsimdjson-dev zlib1g-dev libzstd-dev libsqlite3-dev
  libpq-dev postgresql
  llvm-16-dev
  libmimalloc-dev    # etlc's allocator (CMakeLists.txt)
  python3
  python3-websocket python3-jsonschema python3-yaml  # tests/serve: API client, OpenAPI checks
  libhowardhinnant-date-dev libssl-dev libtomlplusplus-dev  # server/: time zones, tokens, etl.toml
  neovim             # a real LSP client for the language server's tests (tests/lsp/neovim)
)

# Node.js and npm build and test the VS Code extension (editors/vscode). Machines of this
# project come with Node.js 20 from NodeSource (npm included); where node is missing,
# Debian's packages are installed, but Debian 12's node is 18 and packaging the extension
# (@vscode/vsce 3) needs 20: tests/editors/vscode_test.sh then says so.
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
