#!/usr/bin/env bash
# The local demo end to end: builds the npm package and the CLI, starts
# `journey-attribution demo` on a free 127.0.0.1 port, drives the page in headless
# Chromium (tests/demo), stops the server (trap). Screenshots go to artifacts/ (ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bash scripts/build-npm.sh >/dev/null
# As scripts/demo.sh builds it: the demo must run without the default features, and that
# build must hold no AWS SDK (the demo runs the handlers on the in-memory adapters).
sdk="$(cargo tree -p journey-attribution-cli --no-default-features -e normal --prefix none --locked |
  grep -E '^(aws-sdk-[a-z]+|aws-config|aws-smithy-[a-z-]+|rustls|ring) ' || true)"
if [ -n "$sdk" ]; then
  echo "the demo's build (journey-attribution-cli --no-default-features) pulls the AWS SDK:" >&2
  sort -u <<<"$sdk" >&2
  exit 1
fi
cargo build -p journey-attribution-cli --locked --quiet --no-default-features
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
"${CARGO_TARGET_DIR:-target}/debug/journey-attribution" demo --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/api/state" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "the demo exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/api/state" >/dev/null || { echo "the demo did not answer:" >&2; cat "$log" >&2; exit 1; }
DEMO_URL="http://127.0.0.1:$port/" ARTIFACTS_DIR="$root/artifacts" node --test tests/demo/
