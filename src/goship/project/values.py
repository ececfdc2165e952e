"""Follow a Go expression back to what sets it: a literal, an env var (with its fallback),
a flag default or a config key.

The evaluation is flow-insensitive: all assignments to a name are alternatives, and
``merge`` combines them the way services are written: ``port := os.Getenv("PORT"); if
port == "" { port = "8080" }`` becomes "env PORT, default 8080".
"""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from goship.project.cliflags import CliFlag, cli_flags, flag_lookup
from goship.project.configsrc import VIPER_GETTERS, ViperInfo, env_from_tags, is_viper_call
from goship.project.index import ENV_READERS, FLAG_PKGS, METHOD, Assign, ProjectIndex
from goship.project.symval import (
    HOLE,
    UNKNOWN,
    Origin,
    Val,
    concat,
    env_val,
    literal,
    merge,
    port_of,
)
from goship.project.syntax import GoFile, args, callee, line, scope_of, string_value, text

__all__ = [
    "HOLE",
    "UNKNOWN",
    "Evaluator",
    "Origin",
    "Val",
    "concat",
    "env_val",
    "literal",
    "merge",
    "port_of",
]

_PASS_THROUGH = {
    ("strconv", "Itoa"),
    ("strconv", "Atoi"),
    ("strconv", "ParseInt"),
    ("strconv", "ParseUint"),
    ("strconv", "FormatInt"),
    ("strconv", "Quote"),
    ("strings", "TrimSpace"),
    ("strings", "ToLower"),
    ("strings", "ToUpper"),
    ("time", "Duration"),
}
_CONVERSIONS = frozenset(
    [
        "string",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float64",
    ]
)
_FLAG_FUNCS = frozenset(
    f"{t}{p}"
    for t in ("String", "Int", "Int64", "Uint", "Uint64", "Bool", "Duration")
    for p in ("", "P")
)
_MAX_DEPTH = 14


class Evaluator:
    """Evaluates expressions of the project's own code to :class:`Val`."""

    def __init__(self, idx: ProjectIndex, viper: ViperInfo, envconfig_prefix: str = "") -> None:
        self.idx = idx
        self.viper = viper
        self.envconfig_prefix = envconfig_prefix
        self._active: set[tuple[str, int, int, str]] = set()
        self._cli: list[CliFlag] | None = None
        self._bindings: dict[tuple[str, int], list[tuple[GoFile, Node]]] = {}

    def eval(self, f: GoFile, node: Node | None, depth: int = 0) -> Val:
        if node is None or depth > _MAX_DEPTH:
            return UNKNOWN
        key = (f.rel, node.start_byte, node.end_byte, node.type)
        if key in self._active:
            return UNKNOWN
        self._active.add(key)
        try:
            return self._eval(f, node, depth + 1)
        finally:
            self._active.discard(key)

    def _eval(self, f: GoFile, node: Node, depth: int) -> Val:
        t = node.type
        s = string_value(node)
        if s is not None:
            return literal(s, Origin(f.rel, line(node), text(node)))
        if t in ("int_literal", "true", "false"):
            return literal(text(node), Origin(f.rel, line(node), text(node)))
        if t in ("parenthesized_expression", "literal_element"):
            inner = next((c for c in node.named_children if c.type != "comment"), None)
            return self.eval(f, inner, depth)
        if t in ("unary_expression", "type_assertion_expression"):
            return self.eval(f, node.child_by_field_name("operand"), depth)
        if t == "binary_expression":
            if text(node.child_by_field_name("operator")) != "+":
                return UNKNOWN
            parts = [node.child_by_field_name("left"), node.child_by_field_name("right")]
            return concat([self.eval(f, p, depth) for p in parts])
        if t == "identifier":
            return self._ident(f, node, depth)
        if t == "selector_expression":
            return self._selector(f, node, depth)
        if t == "call_expression":
            return self.call(f, node, depth)
        return UNKNOWN

    # -- names ------------------------------------------------------------------------------
    def _ident(self, f: GoFile, node: Node, depth: int) -> Val:
        name = text(node)
        if name in ("nil", "iota", "_"):
            return UNKNOWN
        return merge([self.assign_val(a, depth) for a in self.idx.lookup(f, node, name)])

    def assign_val(self, a: Assign, depth: int) -> Val:
        if a.kind == "expr":
            return self.eval(a.file, a.value, depth)
        if a.kind == "multi":
            return self.eval(a.file, a.value, depth) if a.index == 0 else UNKNOWN
        if a.kind == "flagvar":
            return self._flag(a.file, a.value, args(a.value)[1:])
        if a.kind == "param":
            return self._param(a, depth)
        return UNKNOWN

    def _param(self, a: Assign, depth: int) -> Val:
        if a.value.type == "func_literal":
            return UNKNOWN
        bound = self._bindings.get((a.file.rel, a.value.start_byte))
        sites = bound if bound is not None else self.idx.call_sites(a.file, a.value)
        for cf, call in sites:
            ca = args(call)
            if a.index < len(ca):
                v = self.eval(cf, ca[a.index], depth)
                if v.informative:
                    return v
        return UNKNOWN

    def _selector(self, f: GoFile, node: Node, depth: int) -> Val:
        operand = node.child_by_field_name("operand")
        fname = text(node.child_by_field_name("field"))
        if operand is not None and operand.type == "identifier":
            imp = f.imports.get(text(operand))
            if imp is not None:
                return merge(
                    [self.assign_val(a, depth) for a in self.idx.package_value(imp.path, fname)]
                )
        srcs = self.idx.fields.get(fname, [])
        tagged = []
        for src in srcs:
            if src.tags:
                found = env_from_tags(src.tags, self.envconfig_prefix)
                if found:
                    origin = Origin(src.file.rel, line(src.node), text(src.node).strip())
                    tagged.append(env_val(found[0], found[1], origin))
        if tagged:
            return merge(tagged)
        val = merge([self.assign_val(s.assign, depth) for s in srcs if s.assign is not None])
        return val if val.informative else replace(val, hints=(*val.hints, fname))

    # -- calls ------------------------------------------------------------------------------
    def call(self, f: GoFile, node: Node, depth: int = 0) -> Val:
        c = callee(f, node)
        if c is None:
            return UNKNOWN
        a = args(node)
        origin = Origin(f.rel, line(node), text(node).split("\n")[0][:120])
        if c.kind == "pkg":
            pkg = c.pkg or ""
            short = pkg.rsplit("/", 1)[-1]
            if (pkg, c.name) in ENV_READERS:
                name = self.eval(f, a[0], depth).text if a else None
                return env_val(name, None, origin) if name else UNKNOWN
            if pkg in FLAG_PKGS and c.name in _FLAG_FUNCS:
                return self._flag(f, node, a)
            if (pkg, c.name) in _PASS_THROUGH or (short, c.name) in _PASS_THROUGH:
                return self.eval(f, a[0], depth) if a else UNKNOWN
            if pkg == "fmt" and c.name == "Sprintf" and a:
                return self._sprintf(f, a, depth)
            if pkg == "fmt" and c.name == "Sprint":
                return concat([self.eval(f, x, depth) for x in a])
            if pkg == "net" and c.name == "JoinHostPort" and len(a) == 2:
                host, port = (self.eval(f, x, depth) for x in a)
                return concat([host, literal(":"), port])
            if pkg == "cmp" and c.name == "Or":
                return merge([self.eval(f, x, depth) for x in a])
            if pkg in ("path/filepath", "path") and c.name == "Join":
                parts = [self.eval(f, x, depth) for x in a]
                if all(p.text is not None for p in parts):
                    joined = "/".join(p.text for p in parts if p.text)
                    return replace(concat(parts), text=re.sub("/+", "/", joined))
                return UNKNOWN
            if is_viper_call(f, node, VIPER_GETTERS):
                return self._viper(f, node, a, origin, depth)
            return self._own_function(pkg, c.name, node, f, a, origin, depth)
        if c.kind == "local":
            if c.name in _CONVERSIONS:
                return self.eval(f, a[0], depth) if a else UNKNOWN
            return self._own_function(f.package, c.name, node, f, a, origin, depth)
        if is_viper_call(f, node, VIPER_GETTERS):
            return self._viper(f, node, a, origin, depth)
        if (
            c.name in _FLAG_FUNCS
            and len(a) >= 3
            and string_value(a[0]) is not None
            and any(f.imports_path(p) for p in (*FLAG_PKGS, "github.com/spf13/cobra"))
        ):
            return self._flag(f, node, a)
        if self._cli is None:
            self._cli = cli_flags(self.idx.files)
        cli = flag_lookup(self._cli, f, node)
        if cli is not None:
            dflt = self.eval(cli.file, cli.default, depth) if cli.default is not None else UNKNOWN
            where = Origin(cli.file.rel, cli.line, f"flag {cli.name!r}")
            v = replace(dflt, flag=cli.name, origins=(*dflt.origins, where))
            if cli.envs:
                v = replace(v, env=cli.envs[0], env_default=dflt.text, tmpl=HOLE)
            return v
        if self.idx.method_wrapper(c.name, f.package) is not None:
            return self._own_function(METHOD, c.name, node, f, a, origin, depth)
        methods = self.idx.methods.get(c.name, [])
        if len(methods) == 1:
            mf, m = methods[0]
            return self._returns(mf, m, f, node, depth)
        return UNKNOWN

    def _own_function(
        self, pkg: str, name: str, node: Node, f: GoFile, a: list[Node], origin: Origin, depth: int
    ) -> Val:
        w = self.idx.wrappers.get((pkg, name))
        if w is not None:
            key = self.eval(f, a[w.key], depth).text if w.key < len(a) else None
            if not key:
                return UNKNOWN
            default = None
            if w.default is not None and w.default < len(a):
                default = self.eval(f, a[w.default], depth).text
            return env_val(key, default, origin)
        decl = self.idx.funcs.get((pkg, name))
        if decl is None:
            return UNKNOWN
        return self._returns(decl[0], decl[1], f, node, depth)

    def returns(self, df: GoFile, fn: Node) -> Val:
        """Merge of the first results of ``fn``'s return statements (params from callers)."""
        return self._returns(df, fn, None, None, 0)

    def _returns(
        self, df: GoFile, fn: Node, cf: GoFile | None, call: Node | None, depth: int
    ) -> Val:
        """Merge of the first results of ``fn``'s return statements, params bound to args."""
        key = (df.rel, fn.start_byte)
        previous = self._bindings.get(key)
        if cf is not None and call is not None:
            self._bindings[key] = [(cf, call)]
        try:
            vals = []
            for ret in df.within("return_statement", fn):
                if scope_of(ret) != fn:
                    continue
                exprs = [c for c in ret.named_children if c.type == "expression_list"]
                if exprs and exprs[0].named_children:
                    vals.append(self.eval(df, exprs[0].named_children[0], depth))
            return merge(vals)
        finally:
            if previous is None:
                self._bindings.pop(key, None)
            else:
                self._bindings[key] = previous

    def _flag(self, f: GoFile, call: Node, a: list[Node]) -> Val:
        """``flag.String(name, default, usage)``; ``*P`` forms have a shorthand second."""
        c = callee(f, call)
        if not a:
            return UNKNOWN
        name = string_value(a[0])
        short = c is not None and c.name.endswith("P")
        dflt_node = a[2] if short and len(a) > 2 else (a[1] if len(a) > 1 else None)
        default = self.eval(f, dflt_node) if dflt_node is not None else UNKNOWN
        origin = Origin(f.rel, line(call), text(call).split("\n")[0][:120])
        if not name:
            return UNKNOWN
        return replace(default, flag=name, origins=(*default.origins, origin))

    def _viper(self, f: GoFile, call: Node, a: list[Node], origin: Origin, depth: int) -> Val:
        key = (string_value(a[0]) or "").lower() if a else ""
        if not key:
            return UNKNOWN
        default = UNKNOWN
        if key in self.viper.defaults:
            df, dnode = self.viper.defaults[key]
            default = self.eval(df, dnode, depth)
        return Val(
            text=default.text,
            key=key,
            key_env=self.viper.env_for(key),
            origins=(origin, *default.origins),
        )

    def _sprintf(self, f: GoFile, a: list[Node], depth: int) -> Val:
        fmt = self.eval(f, a[0], depth).text
        if fmt is None:
            return UNKNOWN
        parts: list[Val] = []
        rest = iter(a[1:])
        pos = 0
        for m in re.finditer(r"%[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])", fmt):
            parts.append(literal(fmt[pos : m.start()]))
            if m.group(1) == "%":
                parts.append(literal("%"))
            else:
                arg = next(rest, None)
                parts.append(self.eval(f, arg, depth) if arg is not None else UNKNOWN)
            pos = m.end()
        parts.append(literal(fmt[pos:]))
        return concat(parts)
