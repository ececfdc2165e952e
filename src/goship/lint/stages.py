"""Stages of a Dockerfile: bases with ARG substitution, ``--from`` references and the final
stage, plus :class:`FinalImage`, what the shipped image holds as far as the file tells."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from goship.lint.images import UNKNOWN, BaseInfo, ImageRef, classify
from goship.lint.model import Dockerfile, Instruction
from goship.lint.shell import GoBuild, go_builds

_VAR = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def expand(text: str, values: dict[str, str | None]) -> tuple[str, bool]:
    """Substitute ``$X``/``${X}``/``${X:-d}``/``${X:+v}``; return (text, fully resolved)."""
    ok = True

    def sub(m: re.Match[str]) -> str:
        nonlocal ok
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        val = values.get(name)
        if op in (":-", "-"):
            if val is None or (op == ":-" and val == ""):
                return word
            return val
        if op in (":+", "+"):
            return word if val else ""
        if val is None:
            ok = False
            return m.group(0)
        return val

    return _VAR.sub(sub, text), ok


def arg_defaults(ins: Instruction) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for v in ins.value:
        k, eq, d = v.partition("=")
        out[k] = d.strip("\"'") if eq else None
    return out


def env_pairs(ins: Instruction) -> dict[str, str]:
    vals = list(ins.value)
    return {vals[i]: vals[i + 1].strip("\"'") for i in range(0, len(vals) - 1, 2)}


@dataclass
class Stage:
    index: int
    name: str | None
    line: int
    base: str  # after ARG substitution
    resolved: bool
    parent: Stage | None
    instructions: list[Instruction] = field(default_factory=list)

    def chain(self) -> list[Stage]:
        """This stage and the stages it is built FROM, root last."""
        out: list[Stage] = []
        s: Stage | None = self
        while s is not None and s not in out:
            out.append(s)
            s = s.parent
        return out

    @property
    def root_ref(self) -> ImageRef | None:
        root = self.chain()[-1]
        return ImageRef.parse(root.base) if root.resolved else None

    def base_info(self) -> BaseInfo:
        ref = self.root_ref
        return classify(ref) if ref is not None else UNKNOWN

    def all_instructions(self) -> list[Instruction]:
        """Instructions of the chain in build order (root stage first)."""
        return [i for s in reversed(self.chain()) for i in s.instructions]

    def workdir_before(self, line: int) -> str:
        """The WORKDIR in effect at ``line``."""
        wd = "/"
        for ins in self.all_instructions():
            if ins.line >= line and ins in self.instructions:
                break
            if ins.cmd == "WORKDIR" and ins.value:
                wd = posixpath.normpath(posixpath.join(wd, ins.value[0]))
        return wd

    def context_roots(self) -> list[str]:
        """Where the build context lands in this stage: ``COPY . X`` and bind mounts."""
        roots: list[str] = []
        for ins in self.all_instructions():
            if (
                ins.cmd == "COPY"
                and not ins.flag("from")
                and len(ins.value) == 2
                and ins.value[0] in (".", "./")
            ):
                wd = self.workdir_before(ins.line)
                roots.append(posixpath.normpath(posixpath.join(wd, ins.value[1])))
            for m in ins.flag_values("mount"):
                opts = dict(p.partition("=")[::2] for p in m.split(","))
                if (
                    opts.get("type") == "bind"
                    and not opts.get("from")
                    and opts.get("source", ".") in (".", "./")
                ):
                    wd = self.workdir_before(ins.line)
                    target = opts.get("target") or opts.get("dst") or opts.get("destination")
                    if target:
                        roots.append(posixpath.normpath(posixpath.join(wd, target)))
        return roots

    def env_before(self, line: int) -> dict[str, str | None]:
        """ARG defaults and ENV values in effect before ``line`` (chain included)."""
        out: dict[str, str | None] = {}
        for ins in self.all_instructions():
            if ins.line >= line and ins in self.instructions:
                break
            if ins.cmd == "ENV":
                out.update(env_pairs(ins))
            elif ins.cmd == "ARG":
                out.update({k: v for k, v in arg_defaults(ins).items() if v is not None})
        return out


@dataclass
class BuildFile:
    dockerfile: Dockerfile
    global_args: dict[str, str | None]
    stages: list[Stage]

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage(self, ref: str) -> Stage | None:
        """The stage a ``--from`` value names (alias or index), if any."""
        for s in self.stages:
            if s.name is not None and s.name == ref.lower():
                return s
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def feeding(self, stage: Stage) -> list[Stage]:
        """``stage``'s chain plus every stage it copies from or mounts, transitively."""
        out: list[Stage] = []
        todo = [stage]
        while todo:
            s = todo.pop()
            for c in s.chain():
                if c in out:
                    continue
                out.append(c)
                for ins in c.instructions:
                    refs = [ins.flag("from")] if ins.cmd in ("COPY", "ADD") else []
                    for m in ins.flag_values("mount"):
                        refs.extend(p[5:] for p in m.split(",") if p.startswith("from="))
                    for r in refs:
                        src = self.stage(r) if r else None
                        if src is not None and src not in out:
                            todo.append(src)
        return out

    def builds_for(self, stage: Stage) -> list[tuple[Stage, GoBuild]]:
        """``go build`` commands whose output can end up in ``stage``."""
        return [
            (s, b)
            for s in sorted(self.feeding(stage), key=lambda s: s.index)
            for ins in s.instructions
            if ins.cmd == "RUN"
            for b in go_builds(ins)
        ]


def stages_of(df: Dockerfile) -> BuildFile:
    """Split ``df`` into stages, resolving base names through ARG defaults before FROM."""
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for ins in df.instructions:
        if ins.cmd == "FROM":
            words = list(ins.value)
            raw = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            base, ok = expand(raw, global_args)
            parent = next((s for s in stages if s.name and s.name == base.lower()), None)
            stages.append(Stage(len(stages), name, ins.line, base, ok and bool(base), parent))
        elif not stages:
            if ins.cmd == "ARG":
                # a default may use earlier ARGs: ARG IMAGE=golang:${GO_VERSION}
                for k, v in arg_defaults(ins).items():
                    global_args[k] = expand(v, global_args)[0] if v is not None else None
        else:
            stages[-1].instructions.append(ins)
    return BuildFile(df, global_args, stages)
