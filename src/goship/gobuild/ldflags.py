"""The reproducible ``go build`` flag set: ldflags with ``-X`` injection, and GOFLAGS hygiene.

Reproducibility decisions (documented in the README's ``goship build`` section):

* ``-trimpath`` removes the checkout path and the module-cache path from the binary.
* ``-ldflags "-s -w -buildid="`` drops the symbol table, DWARF and the content-hash build ID.
* ``-buildvcs=false``: Go's VCS stamping records ``vcs.modified``, which flips to true as soon as
  *any* tracked file differs (and fails outright where git refuses to read the checkout), so the
  same commit could give two digests. goship records the revision instead in the image labels
  (``org.opencontainers.image.revision``/``source``) and, when asked, in ``-X`` variables.
* The user's ``GOFLAGS`` is reduced to flags that cannot change the output bytes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from goship.errors import BadInputError

BASE_LDFLAGS = ("-s", "-w", "-buildid=")

# GOFLAGS entries kept as-is; everything else is dropped (and reported) because it either
# changes the binary (-race, -cover, -buildmode, -toolexec, -overlay, -ldflags, -gcflags ...)
# or is set by goship itself (-trimpath, -buildvcs, -tags, -o).
_KEEP_GOFLAGS = ("-mod=", "-modcacherw", "-modfile=", "-p=", "-v", "-x")

_PLACEHOLDER = re.compile(r"{{\s*\.(\w+)\s*}}")
_TEMPLATE_KEYS = ("Version", "Commit", "ShortCommit", "Date", "Epoch")


@dataclass(frozen=True)
class StampValues:
    """Values for ``{{.Version}}``, ``{{.Commit}}``, ``{{.ShortCommit}}``, ``{{.Date}}``
    (RFC 3339 of the build epoch, never the wall clock) and ``{{.Epoch}}``."""

    version: str
    commit: str
    short_commit: str
    date: str
    epoch: int

    def lookup(self, key: str) -> str:
        return {
            "Version": self.version,
            "Commit": self.commit,
            "ShortCommit": self.short_commit,
            "Date": self.date,
            "Epoch": str(self.epoch),
        }[key]


def render(template: str, values: StampValues) -> str:
    """Replace ``{{.Key}}`` placeholders; an unknown key is a BadInputError."""

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in _TEMPLATE_KEYS:
            raise BadInputError(
                f"unknown placeholder {m.group(0)!r} in {template!r}",
                "use one of " + ", ".join("{{." + k + "}}" for k in _TEMPLATE_KEYS),
            )
        return values.lookup(key)

    return _PLACEHOLDER.sub(sub, template)


def _quote_for_go(arg: str) -> str:
    """Quote one ldflags word the way ``go build`` splits them (cmd/internal/quoted)."""
    if arg and not re.search(r"[\s'\"]", arg):
        return arg
    if "'" not in arg:
        return f"'{arg}'"
    if '"' not in arg:
        return f'"{arg}"'
    raise BadInputError(
        f"-X value {arg!r} contains both quote characters", "drop one kind of quote"
    )


def build_ldflags(x_vars: tuple[str, ...], user: str, values: StampValues) -> str:
    """``-s -w -buildid= -X k=v ... <user ldflags>`` as one ``-ldflags`` value."""
    words = list(BASE_LDFLAGS)
    for item in x_vars:
        words += ["-X", _quote_for_go(render(item, values))]
    rendered_user = render(user, values).strip()
    if rendered_user:
        try:
            shlex.split(rendered_user)
        except ValueError as exc:
            raise BadInputError(f"--ldflags {user!r}: {exc}", "balance the quotes") from exc
        words.append(rendered_user)
    return " ".join(words)


def sanitize_goflags(goflags: str) -> tuple[str, list[str]]:
    """Split ``GOFLAGS`` into the kept part (a string) and the list of dropped flags."""
    kept: list[str] = []
    dropped: list[str] = []
    for flag in goflags.split():
        norm = "-" + flag.lstrip("-")
        if any(norm == k or (k.endswith("=") and norm.startswith(k)) for k in _KEEP_GOFLAGS):
            kept.append(norm)
        else:
            dropped.append(flag)
    return " ".join(kept), dropped
