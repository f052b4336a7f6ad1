#!/usr/bin/env python3
"""One version for everything a release ships: the crates and the `journey-attribution`
command, the npm package `journey-attribution`, and the SAM application.

    scripts/version.py check [--release] [--npm-package PATH]   prints the version, or fails
                                                                naming each place that disagrees
    scripts/version.py set VERSION [--date YYYY-MM-DD]          writes it everywhere and dates
                                                                the CHANGELOG's Unreleased section

Where the version lives (the workspace's `[workspace.package] version` is the source):
- Cargo.toml: the pins `version = "=X"` of the published crates on each other
  ([workspace.dependencies]); every member inherits `version.workspace = true`;
- Cargo.lock and fuzz/Cargo.lock: the workspace's own packages;
- template.yaml: the Serverless Application Repository's SemanticVersion and the tag in
  SourceCodeUrl;
- README.md: the compatibility line;
- the npm package: scripts/build-npm.sh writes the workspace's version into package.json
  (wasm/js/package.template.json keeps the placeholder); `--npm-package` checks a built one;
- CHANGELOG.md (Keep a Changelog): an `## [Unreleased]` section, dated versions newest first,
  none above the workspace's; with `--release`, the version's own dated section and link.

Standard library only: the release workflow and a bare checkout run it as is.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPO_URL = "https://github.com/journey-attribution/journey-attribution"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")
LOCKFILES = ("Cargo.lock", "fuzz/Cargo.lock")
# The compatibility line in README.md (one line, three versions).
_V = r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)"
README_LINE = re.compile(
    rf"^\*\*Compatibility\.\*\* .*?`journey-attribution-cli` {_V} .*?"
    rf"`journey-attribution@{_V}` .*?SAM application `journey-attribution` {_V}\b",
    re.M,
)
CHANGELOG_HEADING = re.compile(r"^## \[([^\]]+)\](?: - (\S+))?\s*$", re.M)


class Mismatch(Exception):
    pass


def read(root: pathlib.Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def workspace_version(root: pathlib.Path) -> str:
    m = re.search(r"^\[workspace\.package\]\n(?:[^\[].*\n)*?version = \"([^\"]+)\"", read(root, "Cargo.toml"), re.M)
    if not m:
        raise Mismatch("Cargo.toml: no `version` in [workspace.package]")
    return m.group(1)


def key(v: str) -> tuple:
    m = SEMVER.match(v)
    if not m:
        raise Mismatch(f"not a semantic version: {v!r}")
    # A pre-release sorts below its release.
    return (int(m[1]), int(m[2]), int(m[3]), "-" not in v)


def members(root: pathlib.Path) -> list[str]:
    m = re.search(r"^members = \[([^\]]*)\]", read(root, "Cargo.toml"), re.M)
    return re.findall(r"\"([^\"]+)\"", m.group(1)) if m else []


def workspace_packages(root: pathlib.Path) -> list[str]:
    names = []
    for member in members(root):
        text = read(root, f"{member}/Cargo.toml")
        names.append(re.search(r"^name = \"([^\"]+)\"", text, re.M).group(1))
    return names


def problems(root: pathlib.Path, release: bool = False, npm_package: pathlib.Path | None = None) -> tuple[str, list[str]]:
    """The workspace's version and every place that disagrees with it."""
    v = workspace_version(root)
    found: list[str] = []
    try:
        key(v)
    except Mismatch as e:
        found.append(f"Cargo.toml: {e}")

    cargo = read(root, "Cargo.toml")
    pins = re.findall(r"^(journey-attribution[\w-]*) = \{ path = \"([^\"]+)\"(.*)\}$", cargo, re.M)
    for name, path, rest in pins:
        pin = re.search(r"version = \"([^\"]+)\"", rest)
        published = not re.search(r"^publish = false", read(root, f"{path}/Cargo.toml"), re.M)
        if pin is None:
            if published:
                found.append(f"Cargo.toml: [workspace.dependencies] {name} has no version (cargo publish needs `version = \"={v}\"`)")
        elif pin.group(1) != f"={v}":
            found.append(f"Cargo.toml: [workspace.dependencies] {name} pins {pin.group(1)}, not ={v}")
    for member in members(root):
        text = read(root, f"{member}/Cargo.toml")
        if not re.search(r"^version\.workspace = true$", text, re.M):
            found.append(f"{member}/Cargo.toml: the version must be `version.workspace = true`")

    names = set(workspace_packages(root))
    for lock in LOCKFILES:
        if not (root / lock).exists():
            continue
        for name, locked in re.findall(r"^name = \"([^\"]+)\"\nversion = \"([^\"]+)\"\n(?!source)", read(root, lock), re.M):
            if name in names and locked != v:
                found.append(f"{lock}: {name} is locked at {locked}, not {v}")

    template = read(root, "template.yaml")
    sv = re.search(r"^    SemanticVersion: (\S+)$", template, re.M)
    if not sv or sv.group(1) != v:
        found.append(f"template.yaml: SemanticVersion is {sv.group(1) if sv else 'missing'}, not {v}")
    src = re.search(r"^    SourceCodeUrl: \S+/tree/v(\S+)$", template, re.M)
    if not src or src.group(1) != v:
        found.append(f"template.yaml: SourceCodeUrl names tag v{src.group(1) if src else '?'}, not v{v}")

    line = README_LINE.search(read(root, "README.md"))
    if not line:
        found.append("README.md: no **Compatibility.** line naming the three versions")
    else:
        for what, got in zip(("the CLI", "the npm package", "the SAM application"), line.groups()):
            if got != v:
                found.append(f"README.md: the compatibility line gives {what} {got}, not {v}")

    template_json = read(root, "wasm/js/package.template.json")
    if json.loads(template_json).get("version") != "@VERSION@":
        found.append("wasm/js/package.template.json: version must stay \"@VERSION@\" (build-npm.sh writes the workspace's)")
    if npm_package is not None:
        built = json.loads(npm_package.read_text(encoding="utf-8")).get("version")
        if built != v:
            found.append(f"{npm_package}: the npm package is {built}, not {v}")

    found += changelog_problems(read(root, "CHANGELOG.md"), v, release)
    return v, found


def changelog_problems(text: str, v: str, release: bool) -> list[str]:
    found = []
    headings = CHANGELOG_HEADING.findall(text)
    if not headings or headings[0][0] != "Unreleased":
        found.append("CHANGELOG.md: the first section must be `## [Unreleased]`")
    versions = [(name, date) for name, date in headings if name != "Unreleased"]
    for name, date in versions:
        try:
            if key(name) > key(v):
                found.append(f"CHANGELOG.md: [{name}] is newer than the workspace's {v}")
        except Mismatch as e:
            found.append(f"CHANGELOG.md: {e}")
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date or ""):
            found.append(f"CHANGELOG.md: [{name}] needs a date (`## [{name}] - YYYY-MM-DD`)")
        if not re.search(rf"^\[{re.escape(name)}\]: \S+$", text, re.M):
            found.append(f"CHANGELOG.md: no link for [{name}]")
    try:
        order = [key(name) for name, _ in versions]
        if order != sorted(order, reverse=True):
            found.append("CHANGELOG.md: versions must be listed newest first")
    except Mismatch:
        pass
    if release and v not in [name for name, _ in versions]:
        found.append(f"CHANGELOG.md: no `## [{v}] - YYYY-MM-DD` section for the release (scripts/version.py set {v})")
    return found


def set_version(root: pathlib.Path, v: str, date: str) -> None:
    key(v)
    old = workspace_version(root)
    names = set(workspace_packages(root))

    cargo = read(root, "Cargo.toml")
    cargo = re.sub(r"^(\[workspace\.package\]\n(?:[^\[].*\n)*?version = \")[^\"]+\"", rf'\g<1>{v}"', cargo, count=1, flags=re.M)
    cargo = re.sub(r"^(journey-attribution[\w-]* = \{ path = \"[^\"]+\", version = \")=[^\"]+\"", rf'\g<1>={v}"', cargo, flags=re.M)
    (root / "Cargo.toml").write_text(cargo, encoding="utf-8")

    for lock in LOCKFILES:
        path = root / lock
        if path.exists():
            text = re.sub(
                r"^name = \"([^\"]+)\"\nversion = \"[^\"]+\"\n(?!source)",
                lambda m: f'name = "{m[1]}"\nversion = "{v}"\n' if m[1] in names else m[0],
                path.read_text(encoding="utf-8"),
                flags=re.M,
            )
            path.write_text(text, encoding="utf-8")

    template = read(root, "template.yaml")
    template = re.sub(r"^(    SemanticVersion: )\S+$", rf"\g<1>{v}", template, count=1, flags=re.M)
    template = re.sub(r"^(    SourceCodeUrl: \S+/tree/v)\S+$", rf"\g<1>{v}", template, count=1, flags=re.M)
    (root / "template.yaml").write_text(template, encoding="utf-8")

    readme = read(root, "README.md")
    m = README_LINE.search(readme)
    if m:
        line = m.group(0)
        for got in set(m.groups()):
            line = line.replace(f" {got} ", f" {v} ").replace(f"@{got}`", f"@{v}`").replace(f"`journey-attribution` {got}", f"`journey-attribution` {v}")
        readme = readme.replace(m.group(0), line, 1)
        (root / "README.md").write_text(readme, encoding="utf-8")

    changelog = read(root, "CHANGELOG.md")
    if not re.search(rf"^## \[{re.escape(v)}\]", changelog, re.M):
        previous = [name for name, _ in CHANGELOG_HEADING.findall(changelog) if name != "Unreleased"]
        changelog = changelog.replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{v}] - {date}\n", 1)
        changelog = re.sub(r"^\[Unreleased\]: .*$", f"[Unreleased]: {REPO_URL}/compare/v{v}...HEAD", changelog, count=1, flags=re.M)
        link = f"{REPO_URL}/compare/v{previous[0]}...v{v}" if previous else f"{REPO_URL}/releases/tag/v{v}"
        changelog = re.sub(r"^(\[Unreleased\]: .*)$", rf"\1\n[{v}]: {link}", changelog, count=1, flags=re.M)
        # Keep a Changelog: the Unreleased section starts empty again.
        changelog = re.sub(r"(## \[Unreleased\]\n)\n+(## \[)", r"\1\n\2", changelog, count=1)
        (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    print(f"version {old} -> {v}", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="print the version, or fail naming what disagrees")
    check.add_argument("--release", action="store_true", help="the version must have its dated CHANGELOG section")
    check.add_argument("--npm-package", type=pathlib.Path, help="a built package.json to compare too")
    setp = sub.add_parser("set", help="write VERSION everywhere; date the CHANGELOG's Unreleased section")
    setp.add_argument("version")
    setp.add_argument("--date", default=datetime.date.today().isoformat())
    args = parser.parse_args(argv)

    if args.command == "set":
        try:
            set_version(args.root, args.version, args.date)
        except (Mismatch, FileNotFoundError) as e:
            print(f"version.py: {e}", file=sys.stderr)
            return 1
        release = True
    else:
        release = args.release
    try:
        v, found = problems(args.root, release, getattr(args, "npm_package", None))
    except FileNotFoundError as e:
        print(f"version.py: missing {e.filename}", file=sys.stderr)
        return 1
    for p in found:
        print(f"version.py: {p}", file=sys.stderr)
    if found:
        return 1
    print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
