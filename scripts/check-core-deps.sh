#!/usr/bin/env bash
# core/ must stay pure: no async runtime, no AWS SDK, no Lambda runtime, no wasm-bindgen.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tree="$(cargo tree -p journey-attribution-core -e normal --prefix none --locked)"
bad="$(grep -E '^(tokio|aws-|aws_|lambda_runtime|lambda_http|wasm-bindgen|js-sys|web-sys|reqwest|hyper) ' <<<"$tree" || true)"
if [ -n "$bad" ]; then
  echo "journey-attribution-core depends on platform crates:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "core dependencies: $(wc -l <<<"$tree") crates, none platform-specific"
