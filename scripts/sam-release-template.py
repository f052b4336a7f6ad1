#!/usr/bin/env python3
"""template.yaml -> the release's template, which deploys prebuilt functions (no `sam build`).

    scripts/sam-release-template.py [template.yaml] > release/template.yaml

Each function's `Metadata: {BuildMethod: rust-cargolambda, BuildProperties: {Binary: NAME}}`
becomes `CodeUri: functions/NAME/bootstrap.zip` (the archive scripts/sam-release.sh lays
beside it), and the Globals' `CodeUri: .` goes. Everything else, comments included, stays as
written: a text rewrite, which fails when the template's shape is not the one it knows
rather than guessing. Standard library only.
"""

import pathlib
import re
import sys

FUNCTION = re.compile(r"^    Type: AWS::Serverless::Function$", re.M)
BUILD = re.compile(
    r"^(    )Metadata:\n"
    r"\1  BuildMethod: rust-cargolambda\n"
    r"\1  BuildProperties:\n"
    r"\1    Binary: ([a-z0-9-]+)\n"
    r"\1Properties:\n",
    re.M,
)
GLOBAL_CODE_URI = re.compile(r"^(Globals:\n  Function:\n(?:    .*\n)*?)    CodeUri: \.\n", re.M)


def release_template(text: str) -> str:
    functions = len(FUNCTION.findall(text))
    out, built = BUILD.subn(r"\1Properties:\n\1  CodeUri: functions/\2/bootstrap.zip\n", text)
    if built != functions:
        raise SystemExit(
            f"sam-release-template: {functions} functions but {built} with the expected "
            "`Metadata: BuildMethod: rust-cargolambda / BuildProperties: Binary` block"
        )
    out, globals_removed = GLOBAL_CODE_URI.subn(r"\1", out)
    if globals_removed != 1 or "BuildMethod" in out:
        raise SystemExit("sam-release-template: the Globals' `CodeUri: .` or a BuildMethod is left over")
    return out


def binaries(text: str) -> list[str]:
    return [m.group(2) for m in BUILD.finditer(text)]


if __name__ == "__main__":
    source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    sys.stdout.write(release_template(source.read_text(encoding="utf-8")))
