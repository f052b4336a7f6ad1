#!/usr/bin/env bash
# Sourced: starts moto_server from .venv on 127.0.0.1 with a free port, exports the AWS
# environment pointing at it, and stops it on exit (trap). Fails if moto cannot start.
# Usage: source scripts/moto-start.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
moto_bin="$root/.venv/bin/moto_server"
if [ ! -x "$moto_bin" ]; then
  echo "moto-start: $moto_bin not found: run scripts/bootstrap.sh test" >&2
  exit 1
fi
MOTO_PORT="$("$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_up() {
  "$root/.venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1
}
MOTO_LOG="$(mktemp -t moto.XXXXXX.log)"
"$moto_bin" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
moto_stop() {
  if kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  rm -f "$MOTO_LOG"
}
trap moto_stop EXIT
for _ in $(seq 1 150); do
  if moto_up; then
    break
  fi
  if ! kill -0 "$MOTO_PID" 2>/dev/null; then
    echo "moto-start: moto_server exited:" >&2
    cat "$MOTO_LOG" >&2
    exit 1
  fi
  sleep 0.2
done
if ! moto_up; then
  echo "moto-start: moto_server did not answer on 127.0.0.1:$MOTO_PORT within 30 s" >&2
  cat "$MOTO_LOG" >&2
  exit 1
fi
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
# No profile files, no instance metadata lookups.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
echo "moto_server on $AWS_ENDPOINT_URL (pid $MOTO_PID)" >&2
