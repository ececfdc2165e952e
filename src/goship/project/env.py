"""Environment variables the service reads, with their defaults when the code shows them:
``os.Getenv``/``LookupEnv`` (and helpers wrapping them), viper env binding, and struct
tags of env loaders (caarlos0/env, envconfig, cleanenv, go-envconfig)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from goship.project.cliflags import cli_flags
from goship.project.configsrc import (
    ENVCONFIG,
    TAG_ENV_LIBS,
    ViperInfo,
    env_from_tags,
    envconfig_prefixes,
    type_name_of,
)
from goship.project.index import ENV_READERS, ProjectIndex, param_names
from goship.project.syntax import GoFile, args, callee, line, scope_of, text
from goship.project.values import Evaluator, Val


@dataclass
class EnvRead:
    name: str
    default: str | None
    file: str
    line: int
    detail: str


def env_reads(
    idx: ProjectIndex, ev: Evaluator, viper: ViperInfo, files: list[GoFile]
) -> list[EnvRead]:
    """Every env var read in ``files`` (the chosen main's own code), in source order."""
    out: list[EnvRead] = []
    for f in files:
        for call in f.of("call_expression"):
            c = callee(f, call)
            if c is None:
                continue
            if c.kind == "pkg" and (c.pkg, c.name) in ENV_READERS:
                out.extend(_direct(idx, ev, f, call))
            elif (
                (c.kind == "local" and (f.package, c.name) in idx.wrappers)
                or (c.kind == "pkg" and (c.pkg, c.name) in idx.wrappers)
                or (c.kind == "method" and idx.method_wrapper(c.name, f.package) is not None)
            ):
                v = ev.call(f, call)
                if v.env:
                    out.append(EnvRead(v.env, v.env_default, f.rel, line(call), _detail(call)))
    for flag in cli_flags(files):
        default = ev.eval(flag.file, flag.default).text if flag.default is not None else None
        for name in flag.envs:
            out.append(
                EnvRead(name, default, flag.file.rel, flag.line, f"urfave/cli flag {flag.name!r}")
            )
    out.extend(_viper_envs(ev, viper))
    out.extend(_tag_envs(idx, files))
    return out


def _detail(node: Node) -> str:
    return text(node).split("\n")[0][:120]


def _direct(idx: ProjectIndex, ev: Evaluator, f: GoFile, call: Node) -> list[EnvRead]:
    a = args(call)
    if not a:
        return []
    key = ev.eval(f, a[0])
    if key.text is None:
        if a[0].type == "identifier" and _is_param(idx, f, a[0]):
            return []  # inside a helper: its callers are the reads
        return []
    default = _default_for(ev, f, call, key.text)
    return [EnvRead(key.text, default, f.rel, line(call), _detail(call))]


def _is_param(idx: ProjectIndex, f: GoFile, ident: Node) -> bool:
    fn = scope_of(ident)
    return fn is not None and fn.type != "func_literal" and text(ident) in param_names(fn)


def _default_for(ev: Evaluator, f: GoFile, call: Node, name: str) -> str | None:
    """The fallback the code applies to env var ``name`` read by ``call``, if visible."""
    for val in _contexts(ev, f, call):
        if val.env == name and val.env_default is not None:
            return val.env_default
    return None


def _contexts(ev: Evaluator, f: GoFile, call: Node) -> list[Val]:
    out: list[Val] = []
    node = call
    parent = node.parent
    while parent is not None and parent.type in (
        "parenthesized_expression",
        "call_expression",
        "argument_list",
    ):
        if parent.type == "call_expression":
            out.append(ev.call(f, parent))  # cmp.Or(os.Getenv("X"), "d"), strconv.Atoi(...)
        node, parent = parent, parent.parent
    if parent is None:
        return out
    target = _assigned_name(node, parent)
    if target is not None:
        out.append(ev.eval(f, target))
        out.extend(_forwarded(ev, f, target))
    elif (
        parent.type == "expression_list"
        and parent.parent is not None
        and parent.parent.type == "return_statement"
    ):
        fn = scope_of(parent.parent)
        if fn is not None and fn.type != "func_literal":
            out.append(ev.returns(f, fn))
    return out


def _assigned_name(node: Node, parent: Node) -> Node | None:
    """The identifier an expression is assigned to (``x := expr``, ``var x = expr``)."""
    if parent.type != "expression_list" or parent.parent is None:
        return None
    stmt = parent.parent
    if stmt.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
        return None
    values = [c for c in parent.named_children if c.type != "comment"]
    idx = next((i for i, v in enumerate(values) if v == node), 0)
    if stmt.type == "var_spec":
        names = stmt.children_by_field_name("name")
    else:
        left = stmt.child_by_field_name("left")
        if left is None or left == parent:
            return None
        names = [c for c in left.named_children if c.type != "comment"]
    if idx < len(names) and names[idx].type == "identifier":
        return names[idx]
    return None


def _forwarded(ev: Evaluator, f: GoFile, ident: Node) -> list[Val]:
    """Values of variables that receive ``ident`` (``if p := getenv(); p != "" { port = p }``)."""
    name = text(ident)
    fn = scope_of(ident)
    if fn is None:
        return []
    out = []
    word = re.compile(rf"\b{re.escape(name)}\b")
    for st in [*f.within("assignment_statement", fn), *f.within("short_var_declaration", fn)]:
        right, left = st.child_by_field_name("right"), st.child_by_field_name("left")
        if right is None or left is None or len(right.named_children) != 1:
            continue
        target = left.named_children[0] if left.named_children else None
        # port = p; n, err := strconv.Atoi(p)
        if target is not None and target != ident and word.search(text(right)):
            out.append(ev.eval(f, target))
    top: Node | None = fn
    while top is not None and top.type == "func_literal":
        top = scope_of(top)
    if top is None:
        return out
    for ret in f.within("return_statement", top):
        exprs = [c for c in ret.named_children if c.type == "expression_list"]
        if exprs and exprs[0].named_children and text(exprs[0].named_children[0]) == name:
            out.append(ev.returns(f, top))  # if v := os.Getenv("X"); v != "" { return v }
            break
    return out


def _viper_envs(ev: Evaluator, viper: ViperInfo) -> list[EnvRead]:
    out = []
    keys: dict[str, tuple[GoFile, Node]] = {**viper.keys, **viper.defaults}
    for key, (_env, bf, bcall) in viper.bound.items():
        keys.setdefault(key, (bf, bcall))
    for key, (f, node) in keys.items():
        name = viper.env_for(key)
        if not name:
            continue
        default = None
        if key in viper.defaults:
            df, dnode = viper.defaults[key]
            default = ev.eval(df, dnode).text
        site = viper.bound.get(key)
        sf, snode = (site[1], site[2]) if site else (f, node)
        out.append(EnvRead(name, default, sf.rel, line(snode), f"viper key {key!r}"))
    return out


def _tag_envs(idx: ProjectIndex, files: list[GoFile]) -> list[EnvRead]:
    if not any(f.imports_path(lib) for f in files for lib in TAG_ENV_LIBS):
        return []
    rels = {f.rel for f in files}
    processed: dict[str, str] = {}
    for prefix, f, call in envconfig_prefixes(idx, files):
        a = args(call)
        tname = type_name_of(idx, f, a[1]) if len(a) > 1 else None
        if tname:
            processed[tname] = prefix
    uses_envconfig = any(f.imports_path(ENVCONFIG) for f in files)
    out = []
    for sname, members in idx.structs.items():
        for fname, src in members:
            if src.file.rel not in rels:
                continue
            tags = src.tags or {}
            prefix = processed.get(sname, "")
            found = env_from_tags(tags, prefix) if tags else None
            if found is None and sname in processed and uses_envconfig:
                found = _envconfig_field(fname, tags, prefix)
            if found is None:
                continue
            out.append(
                EnvRead(found[0], found[1], src.file.rel, line(src.node), text(src.node).strip())
            )
    return out


def _envconfig_field(
    field: str, tags: dict[str, str], prefix: str
) -> tuple[str, str | None] | None:
    """kelseyhightower/envconfig naming of an untagged field: PREFIX_FIELD."""
    if tags.get("ignored") == "true" or not field[:1].isupper():
        return None
    name = field.upper()
    if tags.get("split_words") == "true":
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", field).upper()
    return (f"{prefix.upper()}_{name}" if prefix else name), tags.get("default")
