"""Just enough shell reading to find ``go build`` and package installs in RUN commands."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from goship.lint.model import Instruction

_SEPARATORS = {"&&", "||", ";", "|", "&", "\n", "(", ")", ";;"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def run_scripts(ins: Instruction) -> list[str]:
    """The shell text(s) a RUN (or HEALTHCHECK CMD) executes; heredoc bodies included."""
    if ins.json:
        return [shlex.join(ins.value)]
    scripts = [" ".join(ins.value)]
    scripts.extend(h.content for h in ins.heredocs)
    return scripts


def _tokens(script: str) -> list[str]:
    lex = shlex.shlex(script.replace("\\\n", " "), posix=True, punctuation_chars=";&|()")
    lex.whitespace = " \t\r"
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        return list(lex)
    except ValueError:  # unbalanced quotes: fall back to whitespace splitting
        return script.split()


def simple_commands(script: str) -> list[tuple[dict[str, str], list[str]]]:
    """``[(inline env, argv)]`` for each simple command in ``script``."""
    out: list[tuple[dict[str, str], list[str]]] = []
    env: dict[str, str] = {}
    argv: list[str] = []
    for tok in [*_tokens(script), ";"]:
        if tok in _SEPARATORS or set(tok) <= set(";&|()\n"):
            if argv:
                out.append((env, argv))
            env, argv = {}, []
        elif not argv and _ASSIGN.match(tok):
            k, _, v = tok.partition("=")
            env[k] = v
        elif not argv and tok in ("env", "exec", "sudo", "time", "nohup"):
            continue
        else:
            argv.append(tok)
    return out


@dataclass
class GoBuild:
    """One ``go build`` command line."""

    line: int
    env: dict[str, str]
    args: list[str]
    targets: list[str] = field(default_factory=list)
    output: str | None = None
    ldflags: str = ""
    tags: str = ""
    trimpath: bool = False

    @classmethod
    def parse(cls, line: int, env: dict[str, str], argv: list[str]) -> GoBuild:
        b = cls(line, env, argv)
        args = argv[2:]
        i = 0
        while i < len(args):
            a = args[i]
            key, eq, val = a.partition("=")
            takes = key in (
                "-o",
                "-ldflags",
                "-tags",
                "-gcflags",
                "-asmflags",
                "-mod",
                "-p",
                "-buildmode",
                "-pkgdir",
                "-overlay",
                "-pgo",
                "-C",
                "-modfile",
            )
            if takes and not eq and i + 1 < len(args):
                val, i = args[i + 1], i + 1
            if key in ("-o", "--o"):
                b.output = val
            elif key in ("-ldflags", "--ldflags"):
                b.ldflags = val
            elif key in ("-tags", "--tags"):
                b.tags = val
            elif key in ("-trimpath", "--trimpath") and val != "false":
                b.trimpath = True
            elif not a.startswith("-"):
                b.targets.append(a)
            i += 1
        return b


def go_builds(ins: Instruction) -> list[GoBuild]:
    """Every ``go build`` the RUN instruction runs."""
    out = []
    for script in run_scripts(ins):
        exported: dict[str, str] = {}  # `export X=v` applies to the commands after it
        for env, argv in simple_commands(script):
            if argv and argv[0] == "export":
                exported.update(a.split("=", 1) for a in argv[1:] if _ASSIGN.match(a))  # type: ignore[misc]
            elif len(argv) >= 2 and argv[0].rsplit("/", 1)[-1] == "go" and argv[1] == "build":
                out.append(GoBuild.parse(ins.line, {**exported, **env}, argv))
    return out


def runs_go(ins: Instruction, sub: str) -> bool:
    """Whether the RUN runs ``go <sub>`` (e.g. ``mod download``)."""
    words = sub.split()
    for script in run_scripts(ins):
        for _env, argv in simple_commands(script):
            if argv and argv[0].rsplit("/", 1)[-1] == "go" and argv[1 : 1 + len(words)] == words:
                return True
    return False


_INSTALLERS = {
    ("apk", "add"),
    ("apt-get", "install"),
    ("apt", "install"),
    ("microdnf", "install"),
    ("dnf", "install"),
    ("yum", "install"),
}


def installed_packages(ins: Instruction) -> set[str]:
    """Package names an apk/apt/dnf/yum install in this RUN adds (versions stripped)."""
    pkgs: set[str] = set()
    for script in run_scripts(ins):
        for _env, argv in simple_commands(script):
            if len(argv) < 2:
                continue
            tool = argv[0].rsplit("/", 1)[-1]
            verbs = [a for a in argv[1:] if not a.startswith("-")]
            if verbs and (tool, verbs[0]) in _INSTALLERS:
                for a in verbs[1:]:
                    pkgs.add(re.split(r"[=<>~]", a, maxsplit=1)[0])
    return pkgs
