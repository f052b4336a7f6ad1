"""Releasing (RELEASING.md): one version everywhere, what each registry receives, and the
archives of a GitHub release.

Run by scripts/test.d/90-release.sh, which builds the npm tarball first and passes it in
JA_NPM_TARBALL:  .venv/bin/python -m unittest discover -s tests/release -v
"""

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "template"))
from test_template import CfnLoader  # noqa: E402  (the template tests' reader of !Ref, !Sub...)

VENV_BIN = ROOT / ".venv" / "bin"
# The registries' rules for what they accept, checked here so a dry run cannot pass what a
# real publish refuses.
SAR_NAME = re.compile(r"^[a-zA-Z0-9\-]+$")
SAR_AUTHOR = re.compile(r"^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
SAR_LABEL = re.compile(r"^[a-zA-Z0-9+\-_:/@]+$")
CRATES_KEYWORD = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,19}$")
DIST_TARGETS = {
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
}


def version_py(*args, root=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "version.py"), "--root", str(root), *args],
        capture_output=True,
        text=True,
    )


def workspace_copy(dest: pathlib.Path) -> pathlib.Path:
    """The files that carry the version, copied (each member's Cargo.toml included)."""
    files = ["Cargo.toml", "Cargo.lock", "fuzz/Cargo.lock", "template.yaml", "README.md", "CHANGELOG.md",
             "wasm/js/package.template.json"]
    members = re.search(r"^members = \[([^\]]*)\]", (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    files += [f"{m}/Cargo.toml" for m in re.findall(r"\"([^\"]+)\"", members)]
    for f in files:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / f, dest / f)
    return dest


def cargo_metadata():
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


class OneVersion(unittest.TestCase):
    def test_every_place_agrees_with_the_workspace(self):
        out = version_py("check")
        self.assertEqual(out.returncode, 0, out.stderr)
        version = out.stdout.strip()
        for package in cargo_metadata()["packages"]:
            self.assertEqual(package["version"], version, package["name"])
        template = yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)
        self.assertEqual(template["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"], version)

    def test_each_disagreeing_place_is_named(self):
        edits = {
            "template.yaml": ("SemanticVersion: 0.1.0", "SemanticVersion: 0.1.1", "template.yaml: SemanticVersion"),
            "README.md": ("`journey-attribution@", "`journey-attribution@9", "README.md: the compatibility line"),
            "core/Cargo.toml": ("version.workspace = true", 'version = "0.1.0"', "core/Cargo.toml"),
            "Cargo.lock": (None, None, "Cargo.lock: journey-attribution-core is locked at 0.0.9"),
            "wasm/js/package.template.json": ('"@VERSION@"', '"0.1.0"', "package.template.json"),
            "CHANGELOG.md": ("## [Unreleased]\n", "## [Unreleased]\n\n## [7.0.0] - 2030-01-01\n", "[7.0.0] is newer"),
        }
        version = version_py("check").stdout.strip()
        for rel, (old, new, message) in edits.items():
            with self.subTest(rel), tempfile.TemporaryDirectory() as tmp:
                root = workspace_copy(pathlib.Path(tmp))
                path = root / rel
                text = path.read_text()
                if rel == "Cargo.lock":
                    text = re.sub(r'(name = "journey-attribution-core"\nversion = )"[^"]+"', r'\1"0.0.9"', text)
                else:
                    old = old.replace("0.1.0", version)
                    self.assertIn(old, text)
                    text = text.replace(old, new, 1)
                path.write_text(text)
                out = version_py("check", root=root)
                self.assertNotEqual(out.returncode, 0)
                self.assertIn(message, out.stderr)

    def test_a_path_dependency_without_its_version_pin_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = workspace_copy(pathlib.Path(tmp))
            cargo = (root / "Cargo.toml").read_text()
            cargo = re.sub(r'(journey-attribution-core = \{ path = "core"), version = "[^"]+"', r"\1", cargo)
            (root / "Cargo.toml").write_text(cargo)
            out = version_py("check", root=root)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("journey-attribution-core has no version", out.stderr)

    def test_set_moves_every_place_and_dates_the_changelog(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = workspace_copy(pathlib.Path(tmp))
            unreleased = (root / "CHANGELOG.md").read_text().split("## [Unreleased]\n", 1)[1].split("\n[Unreleased]:")[0]
            out = version_py("set", "2.3.4", "--date", "2027-01-02", root=root)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout.strip(), "2.3.4")
            self.assertEqual(version_py("check", "--release", root=root).returncode, 0)
            changelog = (root / "CHANGELOG.md").read_text()
            # The Unreleased entries now sit under the dated version; Unreleased starts empty.
            self.assertIn("## [Unreleased]\n\n## [2.3.4] - 2027-01-02\n\n" + unreleased.strip("\n") + "\n", changelog)
            self.assertRegex(changelog, r"(?m)^\[Unreleased\]: \S+/compare/v2\.3\.4\.\.\.HEAD$")
            self.assertRegex(changelog, r"(?m)^\[2\.3\.4\]: \S+")
            self.assertIn("SemanticVersion: 2.3.4", (root / "template.yaml").read_text())
            self.assertIn("/tree/v2.3.4", (root / "template.yaml").read_text())
            self.assertIn('journey-attribution-core = { path = "core", version = "=2.3.4" }', (root / "Cargo.toml").read_text())
            self.assertRegex((root / "Cargo.lock").read_text(), r'name = "journey-attribution-cli"\nversion = "2.3.4"')
            self.assertRegex((root / "fuzz/Cargo.lock").read_text(), r'name = "journey-attribution-core"\nversion = "2.3.4"')
            # Registry crates keep their own versions.
            self.assertEqual((root / "Cargo.lock").read_text().count('version = "2.3.4"'),
                             len(cargo_metadata()["workspace_members"]))
            # A second set of the next version links it to the previous one.
            self.assertEqual(version_py("set", "2.4.0", "--date", "2027-02-01", root=root).returncode, 0)
            self.assertRegex((root / "CHANGELOG.md").read_text(), r"(?m)^\[2\.4\.0\]: \S+/compare/v2\.3\.4\.\.\.v2\.4\.0$")

    def test_a_release_needs_its_changelog_section(self):
        out = version_py("check", "--release")
        if "## [" + version_py("check").stdout.strip() + "]" in (ROOT / "CHANGELOG.md").read_text():
            self.assertEqual(out.returncode, 0, out.stderr)
        else:
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("no `## [", out.stderr)


class Crates(unittest.TestCase):
    """What crates.io shows and needs; `cargo publish --dry-run` (90-release.sh) packages
    and builds them."""

    def test_the_command_and_everything_it_needs_is_publishable_and_nothing_else(self):
        meta = cargo_metadata()
        packages = {p["name"]: p for p in meta["packages"]}
        publishable = {n for n, p in packages.items() if p["publish"] != []}
        # The command's normal dependencies inside the workspace, transitively.
        needed, todo = set(), ["journey-attribution-cli"]
        while todo:
            name = todo.pop()
            needed.add(name)
            for dep in packages[name]["dependencies"]:
                if dep["name"] in packages and dep["kind"] in (None, "build") and dep["name"] not in needed:
                    todo.append(dep["name"])
        self.assertEqual(publishable, needed)
        for name in sorted(publishable):
            p = packages[name]
            with self.subTest(name):
                for field in ("description", "license", "repository", "homepage", "readme", "rust_version"):
                    self.assertTrue(p.get(field), f"{name}: no {field}")
                self.assertTrue(1 <= len(p["keywords"]) <= 5, p["keywords"])
                for k in p["keywords"]:
                    self.assertRegex(k, CRATES_KEYWORD)
                self.assertTrue(p["categories"], f"{name}: no categories")
                self.assertTrue(pathlib.Path(p["manifest_path"]).parent.joinpath(p["readme"]).is_file())
                # A copy, not a symlink: a Windows checkout (dist's Windows runner) would turn a
                # symlink into a file holding its target's path.
                license = pathlib.Path(p["manifest_path"]).parent.joinpath("LICENSE")
                self.assertFalse(license.is_symlink(), f"{name}: LICENSE is a symlink")
                self.assertEqual(license.read_text(), (ROOT / "LICENSE").read_text(), f"{name}: LICENSE differs")


class NpmPackage(unittest.TestCase):
    """`npm publish --dry-run` of the packed tarball: what the registry would receive."""

    @classmethod
    def setUpClass(cls):
        tarball = os.environ.get("JA_NPM_TARBALL")
        if not tarball:
            raise AssertionError("JA_NPM_TARBALL is not set: run scripts/test.d/90-release.sh")
        cls.tarball = pathlib.Path(tarball)
        out = subprocess.run(["npm", "publish", "--dry-run", "--json", str(cls.tarball)],
                             capture_output=True, text=True, cwd=tempfile.gettempdir())
        if out.returncode != 0:
            raise AssertionError(f"npm publish --dry-run failed:\n{out.stderr}")
        report = json.loads(out.stdout)
        cls.report = report.get("journey-attribution", report)
        cls.files = {f["path"] for f in cls.report["files"]}
        with tarfile.open(cls.tarball) as t:
            cls.package = json.load(t.extractfile("package/package.json"))
            cls.license = t.extractfile("package/LICENSE").read().decode()

    def test_name_and_version_are_the_releases(self):
        self.assertEqual(self.report["name"], "journey-attribution")
        self.assertEqual(self.report["version"], version_py("check").stdout.strip())
        out = version_py("check", "--npm-package", str(self._package_json()))
        self.assertEqual(out.returncode, 0, out.stderr)

    def _package_json(self):
        path = pathlib.Path(tempfile.mkdtemp()) / "package.json"
        path.write_text(json.dumps(self.package))
        self.addCleanup(shutil.rmtree, path.parent)
        return path

    def test_readme_and_license_ship(self):
        self.assertIn("README.md", self.files)
        self.assertIn("LICENSE", self.files)
        self.assertEqual(self.license, (ROOT / "LICENSE").read_text())
        self.assertEqual(self.package["license"], "Apache-2.0")

    def test_every_listed_and_exported_file_ships(self):
        for f in self.package["files"]:
            self.assertIn(f, self.files, f"`files` lists {f}, the tarball lacks it")
        targets = []
        for entry in self.package["exports"].values():
            targets += [entry] if isinstance(entry, str) else list(entry.values())
        targets += [self.package[k] for k in ("main", "module", "browser", "types")]
        for t in targets:
            self.assertIn(t.removeprefix("./"), self.files, f"{t} is exported but not shipped")

    def test_no_test_bench_or_source_map_file_ships(self):
        for f in self.files:
            self.assertNotRegex(f, r"(^|/)(tests?|__tests__|bench)/|\.(test|spec|bench)\.[mc]?[jt]s$|\.map$|\.rs$", f)
        self.assertLessEqual(self.files, set(self.package["files"]) | {"package.json"})


class Dist(unittest.TestCase):
    """dist's plan for the prebuilt archives; it fails by itself when the generated
    .github/workflows/release.yml no longer matches dist-workspace.toml."""

    @classmethod
    def setUpClass(cls):
        out = subprocess.run([str(VENV_BIN / "dist"), "plan", "--output-format=json"],
                             cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            raise AssertionError(f"dist plan failed:\n{out.stderr}")
        cls.plan = json.loads(out.stdout)

    def test_the_command_alone_for_the_five_targets(self):
        releases = self.plan["releases"]
        self.assertEqual([r["app_name"] for r in releases], ["journey-attribution-cli"])
        self.assertEqual(releases[0]["app_version"], version_py("check").stdout.strip())
        archives = {a["target_triples"][0]: a for a in self.plan["artifacts"].values()
                    if a.get("kind") == "executable-zip"}
        self.assertEqual(set(archives), DIST_TARGETS)
        for target, archive in archives.items():
            with self.subTest(target):
                assets = {a.get("name") for a in archive.get("assets", [])}
                # (the binary's asset is named without Windows' .exe)
                self.assertLessEqual({"journey-attribution", "LICENSE", "README.md", "CHANGELOG.md"}, assets)

    def test_the_installers_and_the_readme_point_at_this_releases_assets(self):
        """`dist build --artifacts=global`: the installers and the source archive (the
        per-target archives are built on their own runners by release.yml)."""
        out_dir = ROOT / "target" / "distrib"
        shutil.rmtree(out_dir, ignore_errors=True)
        out = subprocess.run([str(VENV_BIN / "dist"), "build", "--artifacts=global", "--output-format=json"],
                             cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        version = version_py("check").stdout.strip()
        installer = (out_dir / "journey-attribution-cli-installer.sh").read_text()
        self.assertIn(f"/journey-attribution/journey-attribution/releases/download/v{version}", installer)
        for target in ("x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin",
                       "aarch64-apple-darwin"):
            self.assertIn(f"journey-attribution-cli-{target}.tar.gz", installer)
        self.assertIn("journey-attribution-cli-x86_64-pc-windows-msvc.zip",
                      (out_dir / "journey-attribution-cli-installer.ps1").read_text())
        # Every asset the README sends a newcomer to is one a release carries.
        assets = {a["name"] for a in self.plan["artifacts"].values()} | {"journey-attribution-sam.zip"}
        readme = (ROOT / "README.md").read_text()
        linked = set(re.findall(r"/releases/latest/download/([\w.-]+)", readme))
        self.assertTrue(linked)
        self.assertLessEqual(linked, assets)

    def test_the_sam_archive_job_is_part_of_the_release(self):
        workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
        self.assertIn("uses: ./.github/workflows/build-sam.yml", workflow)
        job = yaml.safe_load((ROOT / ".github" / "workflows" / "build-sam.yml").read_text())
        steps = "\n".join(s.get("run", "") for s in job["jobs"]["build-sam"]["steps"])
        self.assertIn("cargo lambda build --release --arm64 -p journey-attribution-lambda --output-format zip", steps)
        self.assertIn("scripts/sam-release.sh", steps)
        upload = job["jobs"]["build-sam"]["steps"][-1]["with"]
        # release.yml attaches every `artifacts-*` artifact to the GitHub release.
        self.assertTrue(upload["name"].startswith("artifacts-"))

    def test_the_registries_are_published_by_the_commands_releasing_names(self):
        workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
        for job, command in [("publish-crates", "cargo publish --workspace --locked"),
                             ("publish-npm", 'npm publish --provenance --access public "$(bash scripts/build-npm.sh)"')]:
            with self.subTest(job):
                self.assertIn(f"uses: ./.github/workflows/{job}.yml", workflow)
                steps = yaml.safe_load((ROOT / ".github" / "workflows" / f"{job}.yml").read_text())["jobs"][job]["steps"]
                self.assertIn(command, [s.get("run") for s in steps])
        npm = re.search(r"(?ms)^  custom-publish-npm:\n.*?(?=^  \S)", workflow).group(0)
        self.assertIn('"id-token": "write"', npm)


def elf(machine: int) -> bytes:
    """A 64-bit little-endian ELF header for `machine` (what sam-release.sh reads)."""
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4], header[5], header[6] = 2, 1, 1
    header[16:18] = (2).to_bytes(2, "little")  # ET_EXEC
    header[18:20] = machine.to_bytes(2, "little")
    return bytes(header)


def lambda_zips(dest: pathlib.Path, machine: int, binaries) -> pathlib.Path:
    for name in binaries:
        (dest / name).mkdir(parents=True)
        with zipfile.ZipFile(dest / name / "bootstrap.zip", "w") as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o100755 << 16
            z.writestr(info, elf(machine))
    return dest


class SamRelease(unittest.TestCase):
    """The stack's release archive: the assembly (scripts/sam-release.sh) and the no-build
    template. The five zips are cargo-lambda's arm64 build in the release workflow; here
    they are stand-ins with the ELF header the script checks, since a cold arm64 release
    build takes about 13 minutes on the 2-core CI machine."""

    BINARIES = ["tagging", "sync", "claims", "connect-tagging", "ses-tagging"]

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def assemble(self, machine):
        zips = lambda_zips(self.tmp / "lambda", machine, self.BINARIES)
        return subprocess.run(["bash", str(ROOT / "scripts" / "sam-release.sh"), str(zips)], cwd=ROOT,
                              env={**os.environ, "SAM_RELEASE_OUT": str(self.tmp / "out")},
                              capture_output=True, text=True)

    def test_the_archive_holds_a_template_its_five_functions_license_and_readme(self):
        out = self.assemble(0xB7)
        self.assertEqual(out.returncode, 0, out.stderr)
        archive = pathlib.Path(out.stdout.strip())
        self.assertEqual(archive, self.tmp / "out" / "journey-attribution-sam.zip")
        with zipfile.ZipFile(archive) as z:
            names = set(z.namelist())
            z.extractall(self.tmp / "x")
        app = self.tmp / "x" / "journey-attribution-sam"
        expected = {"template.yaml", "LICENSE", "README.md"} | {f"functions/{b}/bootstrap.zip" for b in self.BINARIES}
        self.assertEqual({n.removeprefix("journey-attribution-sam/") for n in names if not n.endswith("/")}, expected)
        digest = (self.tmp / "out" / "journey-attribution-sam.zip.sha256").read_text().split()[0]
        self.assertEqual(digest, hashlib.sha256(archive.read_bytes()).hexdigest())

        source = yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)
        release = yaml.load((app / "template.yaml").read_text(), Loader=CfnLoader)
        functions = {n: r for n, r in source["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
        self.assertEqual(sorted(r["Metadata"]["BuildProperties"]["Binary"] for r in functions.values()),
                         sorted(self.BINARIES))
        for name, res in functions.items():
            with self.subTest(name):
                got = release["Resources"][name]
                self.assertNotIn("Metadata", got)
                uri = got["Properties"].pop("CodeUri")
                self.assertEqual(uri, f"functions/{res['Metadata']['BuildProperties']['Binary']}/bootstrap.zip")
                self.assertTrue((app / uri).is_file())
                self.assertEqual(got["Properties"], res["Properties"])
                self.assertEqual({k: v for k, v in got.items() if k != "Properties"},
                                 {k: v for k, v in res.items() if k not in ("Properties", "Metadata")})
        # Apart from where the code comes from, the same stack.
        self.assertNotIn("CodeUri", release["Globals"]["Function"])
        del source["Globals"]["Function"]["CodeUri"]
        for key in source:
            if key != "Resources":
                self.assertEqual(release[key], source[key], key)
        self.assertEqual({n: r for n, r in release["Resources"].items() if n not in functions},
                         {n: r for n, r in source["Resources"].items() if n not in functions})
        meta = release["Metadata"]["AWS::ServerlessRepo::Application"]
        self.assertTrue((app / meta["LicenseUrl"]).is_file())
        self.assertTrue((app / meta["ReadmeUrl"]).is_file())

        # The very template 20-sam.sh lints (`sam validate --lint`).
        generated = subprocess.run([sys.executable, str(ROOT / "scripts" / "sam-release-template.py"),
                                    str(ROOT / "template.yaml")], capture_output=True, text=True, check=True)
        self.assertEqual((app / "template.yaml").read_text(), generated.stdout)

    def test_a_function_built_for_x86_64_is_refused(self):
        out = self.assemble(0x3E)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("bootstrap is x86_64, the template deploys arm64", out.stderr)
        self.assertFalse((self.tmp / "out" / "journey-attribution-sam.zip").exists())

    def test_a_missing_function_is_named(self):
        zips = lambda_zips(self.tmp / "lambda", 0xB7, self.BINARIES[:-1])
        out = subprocess.run(["bash", str(ROOT / "scripts" / "sam-release.sh"), str(zips)], cwd=ROOT,
                             env={**os.environ, "SAM_RELEASE_OUT": str(self.tmp / "out")},
                             capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ses-tagging/bootstrap.zip", out.stderr)


class ServerlessRepoMetadata(unittest.TestCase):
    def test_what_the_repository_requires_and_shows(self):
        template = yaml.load((ROOT / "template.yaml").read_text(), Loader=CfnLoader)
        meta = template["Metadata"]["AWS::ServerlessRepo::Application"]
        self.assertRegex(meta["Name"], SAR_NAME)
        self.assertLessEqual(len(meta["Name"]), 140)
        self.assertRegex(meta["Author"], SAR_AUTHOR)
        self.assertTrue(1 <= len(meta["Description"]) <= 256, len(meta["Description"]))
        self.assertEqual(meta["SpdxLicenseId"], "Apache-2.0")
        self.assertTrue((ROOT / meta["LicenseUrl"]).is_file())
        self.assertTrue((ROOT / meta["ReadmeUrl"]).is_file())
        self.assertLessEqual(len(meta["Labels"]), 10)
        for label in meta["Labels"]:
            self.assertRegex(label, SAR_LABEL)
        self.assertTrue(meta["HomePageUrl"].startswith("https://"))
        self.assertEqual(meta["SourceCodeUrl"], f"{meta['HomePageUrl']}/tree/v{meta['SemanticVersion']}")
        # Intrinsic functions are not supported in this section.
        self.assertFalse(any(isinstance(v, dict) for v in meta.values()))


if __name__ == "__main__":
    unittest.main()
