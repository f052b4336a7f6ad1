#!/usr/bin/env bash
# The stack's release archive, deployable with no Rust toolchain, cargo-lambda or Docker:
#
#   target/distrib/journey-attribution-sam.zip
#     journey-attribution-sam/template.yaml                  template.yaml with CodeUri on the zips
#                                                            (scripts/sam-release-template.py)
#     journey-attribution-sam/functions/<binary>/bootstrap.zip  the five arm64 functions
#     journey-attribution-sam/LICENSE, README.md             the Serverless Application Repository's
#                                                            LicenseUrl / ReadmeUrl
#
# Usage: scripts/sam-release.sh [LAMBDA_DIR]
#   LAMBDA_DIR holds <binary>/bootstrap.zip, as written by
#     cargo lambda build --release --arm64 -p journey-attribution-lambda --output-format zip
#   (default target/lambda). The release workflow (.github/workflows/build-sam.yml) runs that
#   build first; this script only assembles, and refuses a zip whose bootstrap is not an
#   aarch64 Linux executable (the template says arm64). Prints the archive's path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
lambda_dir="${1:-target/lambda}"
out="${SAM_RELEASE_OUT:-target/distrib}"
log() { printf '\033[1m[sam-release]\033[0m %s\n' "$*" >&2; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/ja-sam-release.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
app="$stage/journey-attribution-sam"
mkdir -p "$app/functions" "$out"
out="$(cd "$out" && pwd)"

python3 scripts/sam-release-template.py template.yaml >"$app/template.yaml"
cp LICENSE README.md "$app/"

# The binaries the template builds, each checked and copied.
binaries="$(python3 -c 'import importlib.util, sys
spec = importlib.util.spec_from_file_location("t", "scripts/sam-release-template.py")
t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)
print("\n".join(t.binaries(open("template.yaml").read())))')"
for bin in $binaries; do
  zip="$lambda_dir/$bin/bootstrap.zip"
  [ -f "$zip" ] || { log "missing $zip: build with cargo lambda build --release --arm64 -p journey-attribution-lambda --output-format zip"; exit 1; }
  python3 - "$zip" <<'EOF'
import sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    names = z.namelist()
    if "bootstrap" not in names:
        sys.exit(f"{path}: no `bootstrap` inside (has {names})")
    head = z.open("bootstrap").read(20)
    info = z.getinfo("bootstrap")
# ELF, 64-bit, little-endian, e_machine at offset 18: 0xB7 is aarch64 (0x3E x86_64).
machine = int.from_bytes(head[18:20], "little") if head[:4] == b"\x7fELF" else None
names = {0xB7: "aarch64", 0x3E: "x86_64"}
if machine != 0xB7 or head[4] != 2:
    got = "not an ELF file" if machine is None else names.get(machine, f"machine {machine:#x}")
    sys.exit(f"{path}: bootstrap is {got}, the template deploys arm64 (aarch64)")
if not (info.external_attr >> 16) & 0o111:
    sys.exit(f"{path}: bootstrap is not executable in the zip")
EOF
  mkdir -p "$app/functions/$bin"
  cp "$zip" "$app/functions/$bin/bootstrap.zip"
done

archive="$out/journey-attribution-sam.zip"
rm -f "$archive"
# Python's zipfile keeps the entries' modes (bootstrap.zip itself holds the executable bit).
(cd "$stage" && python3 -m zipfile -c "$archive" journey-attribution-sam)
(cd "$out" && sha256sum journey-attribution-sam.zip >journey-attribution-sam.zip.sha256)
log "built $archive ($(echo $binaries | wc -w) functions)"
echo "$archive"
