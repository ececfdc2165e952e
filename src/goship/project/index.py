"""Indexes over the project's own syntax trees: declarations, assignments, struct fields,
call sites and env-reading helper functions. They let :mod:`goship.project.values`
follow a value (``addr``, ``cfg.Port``) back to where it is set, across packages.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field

from tree_sitter import Node

from goship.project.syntax import GoFile, args, callee, scope_of, string_value, text

METHOD = "#method"  # package key of env-reading methods in ProjectIndex.wrappers
ENV_READERS = {("os", "Getenv"), ("os", "LookupEnv"), ("syscall", "Getenv")}
FLAG_PKGS = frozenset({"flag", "github.com/spf13/pflag"})
FLAG_VAR_FUNCS = frozenset(
    f"{t}Var{p}"
    for t in ("String", "Int", "Int64", "Uint", "Uint64", "Uint16", "Bool", "Duration", "Float64")
    for p in ("", "P")
)


@dataclass(frozen=True)
class Assign:
    """One way a name gets a value: ``kind`` is "expr" (``value`` is the expression),
    "multi" (``value`` is a call with several results, ``index`` picks one), "flagvar"
    (``value`` is a ``flag.StringVar(&x, ...)`` call) or "param" (``index`` is the
    parameter position of the function ``value``)."""

    file: GoFile
    value: Node
    kind: str = "expr"
    index: int = 0


@dataclass(frozen=True)
class FieldSrc:
    """A struct field's value source: a tag (``tags``) or an assigned expression."""

    file: GoFile
    node: Node
    struct: str | None = None  # "pkgpath.Type" for tags
    tags: dict[str, str] | None = None
    assign: Assign | None = None


@dataclass(frozen=True)
class Wrapper:
    """A function that reads an env var named by parameter ``key`` (fallback ``default``)."""

    key: int
    default: int | None


_TAG_RE = re.compile(r'([A-Za-z_][\w.-]*):"((?:[^"\\]|\\.)*)"')


def parse_tag(raw: str) -> dict[str, str]:
    return {k: v for k, v in _TAG_RE.findall(raw)}


def param_names(fn: Node) -> list[str]:
    params = fn.child_by_field_name("parameters")
    names: list[str] = []
    if params is None:
        return names
    for decl in params.named_children:
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        ids = [text(c) for c in decl.children_by_field_name("name")]
        names.extend(ids or ["_"])
    return names


def _scope_key(file: GoFile, scope: Node | None, name: str) -> tuple[str, int, str]:
    if scope is None:
        return (file.package, -1, name)
    return (file.rel, scope.start_byte, name)


@dataclass
class ProjectIndex:
    files: list[GoFile]
    by_package: dict[str, list[GoFile]] = field(default_factory=dict)
    funcs: dict[tuple[str, str], tuple[GoFile, Node]] = field(default_factory=dict)
    methods: dict[str, list[tuple[GoFile, Node]]] = field(default_factory=dict)
    assigns: dict[tuple[str, int, str], list[Assign]] = field(default_factory=dict)
    fields: dict[str, list[FieldSrc]] = field(default_factory=dict)
    structs: dict[str, list[tuple[str, FieldSrc]]] = field(default_factory=dict)
    calls_by_name: dict[str, list[tuple[GoFile, Node]]] = field(default_factory=dict)
    wrappers: dict[tuple[str, str], Wrapper] = field(default_factory=dict)
    _tops: dict[str, tuple[list[int], list[Node]]] = field(default_factory=dict)

    @classmethod
    def build(cls, files: list[GoFile]) -> ProjectIndex:
        idx = cls(files)
        by_pkg: dict[str, list[GoFile]] = defaultdict(list)
        assigns: dict[tuple[str, int, str], list[Assign]] = defaultdict(list)
        flds: dict[str, list[FieldSrc]] = defaultdict(list)
        calls: dict[str, list[tuple[GoFile, Node]]] = defaultdict(list)
        for f in files:
            by_pkg[f.package].append(f)
            idx._index_decls(f, assigns)
            idx._index_assigns(f, assigns, flds)
            idx._index_structs(f, flds)
            for call in f.of("call_expression"):
                c = callee(f, call)
                if c is not None:
                    calls[c.name].append((f, call))
                    if c.name in FLAG_VAR_FUNCS:
                        idx._flagvar(f, call, assigns, flds)
        idx.by_package, idx.assigns, idx.fields = dict(by_pkg), dict(assigns), dict(flds)
        idx.calls_by_name = dict(calls)
        idx._find_wrappers()
        return idx

    # -- declarations -------------------------------------------------------------------
    def _index_decls(self, f: GoFile, assigns: dict[tuple[str, int, str], list[Assign]]) -> None:
        for fn in f.of("function_declaration"):
            self.funcs[(f.package, text(fn.child_by_field_name("name")))] = (f, fn)
        for m in f.of("method_declaration"):
            self.methods.setdefault(text(m.child_by_field_name("name")), []).append((f, m))
        for fn in [
            *f.of("function_declaration"),
            *f.of("method_declaration"),
            *f.of("func_literal"),
        ]:
            for i, name in enumerate(param_names(fn)):
                assigns[_scope_key(f, fn, name)].append(Assign(f, fn, "param", i))
        for spec in [*f.of("const_spec"), *f.of("var_spec")]:
            names = [text(n) for n in spec.children_by_field_name("name")]
            value = spec.child_by_field_name("value")
            if value is None:
                continue
            values = [v for v in value.named_children if v.type != "comment"]
            scope = scope_of(spec)
            for i, name in enumerate(names):
                a = _pair(f, values, i, len(names))
                if a is not None:
                    assigns[_scope_key(f, scope, name)].append(a)

    def _index_assigns(
        self,
        f: GoFile,
        assigns: dict[tuple[str, int, str], list[Assign]],
        flds: dict[str, list[FieldSrc]],
    ) -> None:
        for st in [*f.of("short_var_declaration"), *f.of("assignment_statement")]:
            op = st.child_by_field_name("operator")
            if op is not None and text(op) not in ("=", ":="):
                continue
            left, right = st.child_by_field_name("left"), st.child_by_field_name("right")
            if left is None or right is None:
                continue
            lhs = [n for n in left.named_children if n.type != "comment"]
            rhs = [n for n in right.named_children if n.type != "comment"]
            scope = scope_of(st)
            for i, target in enumerate(lhs):
                a = _pair(f, rhs, i, len(lhs))
                if a is None:
                    continue
                if target.type == "identifier":
                    for key in _assign_keys(f, st, scope, text(target)):
                        assigns[key].append(a)
                elif target.type == "selector_expression":
                    fname = text(target.child_by_field_name("field"))
                    flds[fname].append(FieldSrc(f, a.value, assign=a))
        for lit in f.of("composite_literal"):
            body = lit.child_by_field_name("body")
            for el in body.named_children if body is not None else []:
                if el.type != "keyed_element":
                    continue
                kv = [c for c in el.named_children if c.type != "comment"]
                if len(kv) != 2:
                    continue
                knode = kv[0].named_children[0] if kv[0].named_children else kv[0]
                val = kv[1].named_children[0] if kv[1].named_children else kv[1]
                if knode.type in ("identifier", "field_identifier"):
                    flds[text(knode)].append(FieldSrc(f, val, assign=Assign(f, val)))

    def _index_structs(self, f: GoFile, flds: dict[str, list[FieldSrc]]) -> None:
        for ts in f.of("type_spec"):
            st = ts.child_by_field_name("type")
            if st is None or st.type != "struct_type":
                continue
            sname = f"{f.package}.{text(ts.child_by_field_name('name'))}"
            members: list[tuple[str, FieldSrc]] = []
            for fl in st.named_children[0].named_children if st.named_children else []:
                if fl.type != "field_declaration":
                    continue
                tag_node = fl.child_by_field_name("tag")
                tags = parse_tag(string_value(tag_node) or "") if tag_node is not None else {}
                names = [text(n) for n in fl.children_by_field_name("name")]
                if not names:  # embedded struct
                    names = [text(fl.child_by_field_name("type")).lstrip("*").split(".")[-1]]
                for name in names:
                    src = FieldSrc(f, fl, struct=sname, tags=tags)
                    members.append((name, src))
                    if tags:
                        flds[name].append(src)
            self.structs[sname] = members

    def _flagvar(
        self,
        f: GoFile,
        call: Node,
        assigns: dict[tuple[str, int, str], list[Assign]],
        flds: dict[str, list[FieldSrc]],
    ) -> None:
        a = args(call)
        if not a or a[0].type != "unary_expression":
            return
        target = a[0].child_by_field_name("operand")
        if target is None:
            return
        assign = Assign(f, call, "flagvar")
        if target.type == "identifier":
            for key in _assign_keys(f, call, scope_of(call), text(target)):
                assigns[key].append(assign)
        elif target.type == "selector_expression":
            flds[text(target.child_by_field_name("field"))].append(FieldSrc(f, call, assign=assign))

    # -- env-reading helpers ------------------------------------------------------------
    def _find_wrappers(self) -> None:
        decls = list(self.funcs.items())
        for name, ms in self.methods.items():
            if len(ms) == 1:  # methods are matched by name: only unambiguous ones
                decls.append(((METHOD, name), ms[0]))
        for _round in range(3):
            changed = False
            for key, (f, fn) in decls:
                if key in self.wrappers:
                    continue
                w = self._wrapper_of(f, fn)
                if w is not None:
                    self.wrappers[key] = w
                    changed = True
            if not changed:
                return

    def _wrapper_of(self, f: GoFile, fn: Node) -> Wrapper | None:
        params = param_names(fn)
        if not params:
            return None
        for call in self.calls_in(f, fn):
            c = callee(f, call)
            if c is None:
                continue
            if c.kind == "pkg" and (c.pkg, c.name) in ENV_READERS:
                key_arg = 0
            elif c.kind == "local" and (f.package, c.name) in self.wrappers:
                key_arg = self.wrappers[(f.package, c.name)].key
            elif c.kind == "method" and (mw := self.method_wrapper(c.name, f.package)):
                key_arg = mw.key
            else:
                continue
            a = args(call)
            if len(a) > key_arg and a[key_arg].type == "identifier" and text(a[key_arg]) in params:
                key = params.index(text(a[key_arg]))
                rest = [i for i in range(len(params)) if i != key and params[i] != "_"]
                return Wrapper(key, rest[0] if rest else None)
        return None

    def method_wrapper(self, name: str, caller_pkg: str) -> Wrapper | None:
        """An env-reading method called ``name`` — trusted from another package only when its
        name says so (``Getenv``), since ``x.Get("k")`` is usually something else."""
        w = self.wrappers.get((METHOD, name))
        if w is None:
            return None
        decl_pkg = self.methods[name][0][0].package
        return w if decl_pkg == caller_pkg or "env" in name.lower() else None

    # -- queries --------------------------------------------------------------------------
    def top_level(self, f: GoFile) -> tuple[list[int], list[Node]]:
        cached = self._tops.get(f.rel)
        if cached is None:
            decls = sorted(
                [*f.of("function_declaration"), *f.of("method_declaration")],
                key=lambda n: n.start_byte,
            )
            cached = ([d.start_byte for d in decls], decls)
            self._tops[f.rel] = cached
        return cached

    def top_function(self, f: GoFile, node: Node) -> Node | None:
        starts, decls = self.top_level(f)
        i = bisect.bisect_right(starts, node.start_byte) - 1
        if i >= 0 and decls[i].end_byte >= node.end_byte:
            return decls[i]
        return None

    def calls_in(self, f: GoFile, fn: Node) -> list[Node]:
        return f.within("call_expression", fn)

    def lookup(self, f: GoFile, at: Node, name: str) -> list[Assign]:
        """Assignments of ``name`` visible at node ``at`` (innermost scope first)."""
        scope = scope_of(at)
        while scope is not None:
            found = self.assigns.get((f.rel, scope.start_byte, name))
            if found:
                return found
            scope = scope_of(scope)
        return self.assigns.get((f.package, -1, name), [])

    def package_value(self, pkg: str, name: str) -> list[Assign]:
        return self.assigns.get((pkg, -1, name), [])

    def call_sites(self, f: GoFile, fn: Node) -> list[tuple[GoFile, Node]]:
        """Calls of the function or method declared by ``fn`` in file ``f``."""
        name = text(fn.child_by_field_name("name"))
        out = []
        for cf, call in self.calls_by_name.get(name, []):
            c = callee(cf, call)
            if c is None:
                continue
            if fn.type == "method_declaration":
                if c.kind == "method":
                    out.append((cf, call))
            elif (c.kind == "local" and cf.package == f.package) or (
                c.kind == "pkg" and c.pkg == f.package
            ):
                out.append((cf, call))
        return out


def _pair(f: GoFile, values: list[Node], i: int, n_left: int) -> Assign | None:
    if len(values) == n_left and i < len(values):
        return Assign(f, values[i])
    if len(values) == 1 and n_left > 1:
        return Assign(f, values[0], "multi", i)
    return None


def _assign_keys(
    f: GoFile, stmt: Node, scope: Node | None, name: str
) -> list[tuple[str, int, str]]:
    """Keys an assignment is filed under: its own scope, and for ``=`` (which may set a
    variable of an enclosing function) the enclosing scopes as well."""
    keys = [_scope_key(f, scope, name)]
    if stmt.type != "short_var_declaration":
        outer = scope_of(scope) if scope is not None else None
        while outer is not None:
            keys.append(_scope_key(f, outer, name))
            outer = scope_of(outer)
        if scope is not None:
            keys.append(_scope_key(f, None, name))
    return keys
