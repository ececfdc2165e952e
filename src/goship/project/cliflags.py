"""urfave/cli flags: ``&cli.StringFlag{Name: "port", Value: "8080", EnvVars: []string{"PORT"}}``
read back with ``c.String("port")`` — a flag with a default and an env var."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from goship.project.syntax import GoFile, args, callee, line, string_value, text

URFAVE = "github.com/urfave/cli"
GETTERS = frozenset(
    {"String", "Int", "Int64", "Uint", "Uint64", "Bool", "Duration", "Float64", "Value"}
)


@dataclass(frozen=True)
class CliFlag:
    name: str
    file: GoFile
    node: Node  # the composite literal
    default: Node | None
    envs: tuple[str, ...]

    @property
    def line(self) -> int:
        return line(self.node)


def _keyed(lit: Node) -> dict[str, Node]:
    out: dict[str, Node] = {}
    body = lit.child_by_field_name("body")
    for el in body.named_children if body is not None else []:
        if el.type == "keyed_element" and len(el.named_children) == 2:
            k, v = el.named_children
            val = v.named_children[0] if v.type == "literal_element" and v.named_children else v
            out[text(k)] = val
    return out


def _strings(f: GoFile, node: Node) -> tuple[str, ...]:
    """Env var names from ``"X"``, ``[]string{"X", "Y"}`` or ``cli.EnvVars("X")``."""
    single = string_value(node)
    if single is not None:
        return (single,)
    if node.type == "composite_literal":
        body = node.child_by_field_name("body")
        items = body.named_children if body is not None else []
        vals = [string_value(i.named_children[0] if i.named_children else i) for i in items]
        return tuple(v for v in vals if v)
    if node.type == "call_expression":
        return tuple(v for v in (string_value(a) for a in args(node)) if v)
    return ()


def cli_flags(files: list[GoFile]) -> list[CliFlag]:
    out = []
    for f in files:
        if not f.imports_path(URFAVE) and not any(
            i.path.startswith(URFAVE) for i in f.imports.values()
        ):
            continue
        for lit in f.of("composite_literal"):
            if not text(lit.child_by_field_name("type")).endswith("Flag"):
                continue
            keys = _keyed(lit)
            name = string_value(keys.get("Name"))
            if not name:
                continue
            env_node = keys.get("EnvVars") or keys.get("EnvVar") or keys.get("Sources")
            envs = _strings(f, env_node) if env_node is not None else ()
            out.append(CliFlag(name, f, lit, keys.get("Value"), envs))
    return out


def flag_lookup(flags: list[CliFlag], f: GoFile, call: Node) -> CliFlag | None:
    """The urfave/cli flag a getter call (``c.String("port")``) reads."""
    c = callee(f, call)
    a = args(call)
    if c is None or c.kind != "method" or c.name not in GETTERS or len(a) != 1:
        return None
    name = string_value(a[0])
    if not name or not any(i.path.startswith(URFAVE) for i in f.imports.values()):
        return None
    for flag in flags:
        if flag.name == name:
            return flag
    return None
