#!/usr/bin/env bash
# Installs, idempotently, what the demo and the tests need. Fast when everything is there.
# Usage: scripts/bootstrap.sh [demo|test]   (test installs the superset)
set -euo pipefail
what="${1:-test}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Pinned to the `=` version of wasm-bindgen in Cargo.toml: the CLI must match it exactly.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)"
: "${WASM_BINDGEN_VERSION:?cannot read the wasm-bindgen pin from Cargo.toml}"

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

# Rust targets.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli at exactly the pinned version (`--locked` fails on this registry mirror).
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v wasm-pack >/dev/null; then
  log "cargo install wasm-pack"
  cargo install wasm-pack
fi

# npm tools (binaryen's wasm-opt: never Debian's binaryen 108, which corrupts wasm-bindgen output).
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ tools/package.json -nt tools/node_modules/.stamp ]; then
  log "npm install (tools/)"
  (cd tools && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
fi

if [ "$what" = test ]; then
  # Python tools in a venv: moto (AWS wire protocol), SAM CLI, cargo-lambda (brings zig).
  if [ ! -x .venv/bin/python ]; then
    log "python3 -m venv .venv"
    python3 -m venv .venv
  fi
  if [ ! -f .venv/.stamp ] || [ tools/requirements.txt -nt .venv/.stamp ]; then
    log "pip install -r tools/requirements.txt"
    .venv/bin/pip install --quiet -r tools/requirements.txt
    touch .venv/.stamp
  fi
  # Debian's Chromium for headless browser tests (playwright-core drives it; no browser download).
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "apt-get install chromium chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  # Fuzzing (cargo fuzz needs nightly for the sanitizer flags).
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "rustup toolchain install nightly --profile minimal"
    rustup toolchain install nightly --profile minimal
  fi
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "0.13.2" ]; then
    log "cargo install cargo-fuzz 0.13.2"
    cargo install cargo-fuzz --version 0.13.2 --force
  fi
  if dpkg -s binaryen >/dev/null 2>&1; then
    log "warning: Debian's binaryen is installed; tools/node_modules/.bin/wasm-opt is used instead"
  fi
fi
log "ready"
