#!/usr/bin/env bash
# core/ and report/ must stay pure: no async runtime, no AWS SDK, no Lambda runtime, no
# wasm-bindgen; and core knows nothing of the report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for crate in journey-attribution-core journey-attribution-report; do
  tree="$(cargo tree -p "$crate" -e normal --prefix none --locked)"
  bad="$(grep -E '^(tokio|aws-|aws_|lambda_runtime|lambda_http|wasm-bindgen|js-sys|web-sys|reqwest|hyper|journey-attribution-(lambda|table|aws|cli|wasm)) ' <<<"$tree" || true)"
  if [ "$crate" = journey-attribution-core ]; then
    bad="$bad$(grep -E '^journey-attribution-report ' <<<"$tree" || true)"
  fi
  if [ -n "$bad" ]; then
    echo "$crate depends on platform or outer crates:" >&2
    echo "$bad" >&2
    exit 1
  fi
  echo "$crate dependencies: $(wc -l <<<"$tree") crates, none platform-specific"
done
