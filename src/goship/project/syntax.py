"""Syntax trees of the project's own Go files (tree-sitter-go).

Only the nodes the rules need are collected, by one tree-sitter query per file (the walk
runs in C), so a large module parses quickly. Import aliases are resolved with the package
names ``go list`` reported, so ``r "github.com/redis/go-redis/v9"`` and the implicit name
``redis`` both map to the import path.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import tree_sitter_go
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

_CAPTURES = (
    "import_spec",
    "call_expression",
    "composite_literal",
    "function_declaration",
    "method_declaration",
    "const_spec",
    "var_spec",
    "short_var_declaration",
    "assignment_statement",
    "return_statement",
    "type_spec",
    "func_literal",
)
SCOPES = frozenset({"function_declaration", "method_declaration", "func_literal"})


@lru_cache(maxsize=1)
def _language() -> Language:
    return Language(tree_sitter_go.language())


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(_language())


@lru_cache(maxsize=1)
def _query() -> Query:
    return Query(_language(), "\n".join(f"({c}) @{c}" for c in _CAPTURES))


@dataclass(frozen=True)
class Import:
    path: str
    alias: str
    line: int


@dataclass(frozen=True)
class Callee:
    """What a call expression calls.

    ``kind`` is "pkg" (``alias.Name(...)`` with an imported package: ``pkg`` is its path),
    "method" (``expr.Name(...)``: ``recv`` is the expression) or "local" (``Name(...)``).
    """

    kind: str
    name: str
    pkg: str | None = None
    recv: Node | None = None


@dataclass
class GoFile:
    path: Path
    rel: str  # relative to the project root, posix
    package: str  # import path of the package
    src: bytes
    tree: Tree
    imports: dict[str, Import] = field(default_factory=dict)  # alias -> import
    nodes: dict[str, list[Node]] = field(default_factory=dict)

    _starts: dict[str, list[int]] = field(default_factory=dict)
    callees: dict[tuple[int, int], Callee | None] = field(default_factory=dict)

    def of(self, kind: str) -> list[Node]:
        return self.nodes.get(kind, [])

    def within(self, kind: str, outer: Node) -> list[Node]:
        """Nodes of ``kind`` that start inside ``outer`` (binary search, no scan)."""
        nodes = self.of(kind)
        starts = self._starts.get(kind)
        if starts is None:
            starts = self._starts[kind] = [n.start_byte for n in nodes]
        lo = bisect.bisect_left(starts, outer.start_byte)
        hi = bisect.bisect_left(starts, outer.end_byte)
        return nodes[lo:hi]

    def imports_path(self, prefix: str) -> bool:
        return any(
            i.path == prefix or i.path.startswith(prefix + "/") for i in self.imports.values()
        )

    @property
    def has_error(self) -> bool:
        return bool(self.tree.root_node.has_error)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: Node) -> int:
    return int(node.start_point[0]) + 1


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a"}


def string_value(node: Node | None) -> str | None:
    """The value of a Go string literal node, else None."""
    if node is None:
        return None
    if node.type == "raw_string_literal":
        return text(node)[1:-1]
    if node.type == "interpreted_string_literal":
        body = text(node)[1:-1]
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)
    return None


def default_alias(path: str) -> str:
    """The package name Go would guess from an import path (used when go list has none)."""
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    last = re.sub(r"\.v\d+$", "", last)
    last = last.removeprefix("go-").removesuffix(".go").removesuffix("-go")
    return re.sub(r"[^A-Za-z0-9_]", "_", last)


def callee(file: GoFile, call: Node) -> Callee | None:
    """What ``call`` calls (cached per file: every rule asks)."""
    key = (call.start_byte, call.end_byte)
    if key in file.callees:
        return file.callees[key]
    found = _callee(file, call)
    file.callees[key] = found
    return found


def _callee(file: GoFile, call: Node) -> Callee | None:
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return Callee("local", text(fn))
    if fn.type == "selector_expression":
        operand = fn.child_by_field_name("operand")
        name = text(fn.child_by_field_name("field"))
        if operand is not None and operand.type == "identifier":
            imp = file.imports.get(text(operand))
            if imp is not None:
                return Callee("pkg", name, pkg=imp.path)
        return Callee("method", name, recv=operand)
    if fn.type == "parenthesized_expression":
        inner = next((c for c in fn.named_children if c.type != "comment"), None)
        if inner is not None and inner.type == "selector_expression":
            return Callee("method", text(inner.child_by_field_name("field")), recv=inner)
    return None


def args(call: Node) -> list[Node]:
    al = call.child_by_field_name("arguments")
    if al is None:
        return []
    return [c for c in al.named_children if c.type != "comment"]


def scope_of(node: Node) -> Node | None:
    """The innermost function, method or func literal around ``node`` (None: package level)."""
    cur = node.parent
    while cur is not None:
        if cur.type in SCOPES:
            return cur
        cur = cur.parent
    return None


def top_function(node: Node) -> Node | None:
    """The top-level function or method declaration around ``node``."""
    found = None
    cur = node.parent
    while cur is not None:
        if cur.type in ("function_declaration", "method_declaration"):
            found = cur
        cur = cur.parent
    return found


def parse_file(
    path: Path, rel: str, package: str, names: Mapping[str, str], src: bytes | None = None
) -> GoFile:
    """Parse one Go file; ``names`` maps import paths to package names (from go list)."""
    data = path.read_bytes() if src is None else src
    tree = _parser().parse(data)
    gf = GoFile(path=path, rel=rel, package=package, src=data, tree=tree)
    captures = QueryCursor(_query()).captures(tree.root_node)
    for kind, nodes in captures.items():
        gf.nodes[kind] = sorted(nodes, key=lambda n: n.start_byte)
    for spec in gf.of("import_spec"):
        ipath = string_value(spec.child_by_field_name("path"))
        if not ipath:
            continue
        name_node = spec.child_by_field_name("name")
        alias = text(name_node) if name_node is not None else ""
        if alias in ("_", "."):
            alias = alias + ipath  # blank/dot imports: kept for evidence, never a selector
        elif not alias:
            alias = names.get(ipath) or default_alias(ipath)
        gf.imports[alias] = Import(ipath, alias, line(spec))
    return gf


def import_line(file: GoFile, path: str) -> int | None:
    for imp in file.imports.values():
        if imp.path == path:
            return imp.line
    return None


def embed_lines(file: GoFile) -> list[tuple[int, list[str]]]:
    """``//go:embed`` directives in ``file``: (line, patterns)."""
    out = []
    for no, raw in enumerate(file.src.decode("utf-8", errors="replace").splitlines(), start=1):
        s = raw.strip()
        if s.startswith("//go:embed"):
            out.append((no, _split_patterns(s[len("//go:embed") :])))
    return out


def _split_patterns(s: str) -> list[str]:
    return [a or b or c for a, b, c in re.findall(r'"([^"]*)"|`([^`]*)`|(\S+)', s)]
