"""Configuration libraries that turn names into env vars: viper (keys, defaults, env
binding) and struct-tag loaders (caarlos0/env, sethvargo/go-envconfig, cleanenv,
kelseyhightower/envconfig)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from goship.project.index import ProjectIndex
from goship.project.syntax import GoFile, args, callee, line, string_value, text

VIPER = "github.com/spf13/viper"
ENVCONFIG = "github.com/kelseyhightower/envconfig"
TAG_ENV_LIBS = (
    "github.com/caarlos0/env",
    "github.com/sethvargo/go-envconfig",
    "github.com/ilyakaznacheev/cleanenv",
    "github.com/joeshaw/envdecode",
    "github.com/Netflix/go-env",
    "github.com/vrischmann/envconfig",
    ENVCONFIG,
)
VIPER_GETTERS = frozenset(
    {
        "Get",
        "GetString",
        "GetInt",
        "GetInt32",
        "GetInt64",
        "GetUint",
        "GetUint16",
        "GetUint32",
        "GetUint64",
        "GetBool",
        "GetDuration",
        "GetFloat64",
        "GetStringSlice",
    }
)


def is_viper_call(f: GoFile, call: Node, names: frozenset[str] | set[str]) -> str | None:
    """The method name when ``call`` is ``viper.X(...)`` or ``v.X(...)`` in a viper file."""
    c = callee(f, call)
    if c is None or c.name not in names:
        return None
    if c.kind == "pkg" and c.pkg == VIPER:
        return c.name
    if c.kind == "method" and f.imports_path(VIPER):
        return c.name
    return None


@dataclass
class ViperInfo:
    defaults: dict[str, tuple[GoFile, Node]] = field(default_factory=dict)  # key -> value node
    bound: dict[str, tuple[str, GoFile, Node]] = field(default_factory=dict)  # key -> env
    automatic: tuple[GoFile, Node] | None = None
    prefix: str = ""
    replacements: list[tuple[str, str]] = field(default_factory=list)
    keys: dict[str, tuple[GoFile, Node]] = field(default_factory=dict)  # keys read

    @classmethod
    def collect(cls, idx: ProjectIndex, files: list[GoFile]) -> ViperInfo:
        info = cls()
        wanted = {"SetDefault", "BindEnv", "AutomaticEnv", "SetEnvPrefix", "SetEnvKeyReplacer"}
        for f in files:
            if not f.imports_path(VIPER):
                continue
            for call in f.of("call_expression"):
                name = is_viper_call(f, call, wanted | VIPER_GETTERS)
                if name is None:
                    continue
                a = args(call)
                key = (string_value(a[0]) or "").lower() if a else ""
                if name == "SetDefault" and key and len(a) > 1:
                    info.defaults.setdefault(key, (f, a[1]))
                elif name == "BindEnv" and key:
                    env = string_value(a[1]) if len(a) > 1 else None
                    info.bound.setdefault(key, (env or "", f, call))
                elif name == "AutomaticEnv":
                    info.automatic = (f, call)
                elif name == "SetEnvPrefix" and a:
                    info.prefix = string_value(a[0]) or info.prefix
                elif name == "SetEnvKeyReplacer" and a:
                    info.replacements = _replacer_pairs(f, a[0]) or [(".", "_")]
                elif name in VIPER_GETTERS and key:
                    info.keys.setdefault(key, (f, call))
        return info

    def env_for(self, key: str) -> str | None:
        """The env var viper reads for ``key`` (None when viper reads none)."""
        key = key.lower()
        if key in self.bound:
            explicit = self.bound[key][0]
            if explicit:
                return explicit
        elif self.automatic is None:
            return None
        name = key.upper()
        for old, new in self.replacements:
            name = name.replace(old.upper(), new.upper())
        if self.prefix:
            name = f"{self.prefix.upper()}_{name}"
        if not all(ch.isalnum() or ch == "_" for ch in name):
            return None  # e.g. SERVER.PORT without a key replacer: not settable in a shell
        return name


def _replacer_pairs(f: GoFile, node: Node) -> list[tuple[str, str]]:
    if node.type != "call_expression":
        return []
    c = callee(f, node)
    if c is None or c.name != "NewReplacer":
        return []
    vals = [string_value(n) for n in args(node)]
    return [
        (o, n)
        for o, n in zip(vals[::2], vals[1::2], strict=False)
        if o is not None and n is not None
    ]


def env_from_tags(tags: dict[str, str], prefix: str = "") -> tuple[str, str | None] | None:
    """(env var, default) declared by a struct tag, in the conventions of the common loaders."""
    if "env" in tags:
        raw = tags["env"]
        parts = [p.strip() for p in raw.split(",")]
        name = parts[0]
        if not name or name == "-":
            return None
        default = tags.get("envDefault", tags.get("env-default", tags.get("default")))
        for p in parts[1:]:
            if p.startswith("default="):
                default = p[len("default=") :]
        return name, default
    if "envconfig" in tags:
        name = tags["envconfig"].split(",")[0].strip()
        if not name or name == "-":
            return None
        full = f"{prefix.upper()}_{name.upper()}" if prefix else name.upper()
        return full, tags.get("default")
    return None


def envconfig_prefixes(idx: ProjectIndex, files: list[GoFile]) -> list[tuple[str, GoFile, Node]]:
    """``envconfig.Process(prefix, &spec)`` calls: (prefix, file, call)."""
    out = []
    for f in files:
        if not f.imports_path(ENVCONFIG):
            continue
        for call in f.of("call_expression"):
            c = callee(f, call)
            if (
                c
                and c.kind == "pkg"
                and c.pkg == ENVCONFIG
                and c.name in ("Process", "MustProcess")
            ):
                a = args(call)
                out.append((string_value(a[0]) or "" if a else "", f, call))
    return out


def type_name_of(idx: ProjectIndex, f: GoFile, node: Node) -> str | None:
    """``pkg.Type`` of a simple expression (``&cfg``, ``cfg``, ``&Config{}``) if visible."""
    while node.type in ("unary_expression", "parenthesized_expression"):
        inner = node.child_by_field_name("operand") or (
            node.named_children[0] if node.named_children else None
        )
        if inner is None:
            return None
        node = inner
    if node.type == "composite_literal":
        return _qualify(f, text(node.child_by_field_name("type")))
    if node.type == "identifier":
        for scope_node in _decl_types(f, node):
            return _qualify(f, scope_node)
    return None


def _decl_types(f: GoFile, ident: Node) -> list[str]:
    name = text(ident)
    out = []
    for spec in f.of("var_spec"):
        if name in (text(n) for n in spec.children_by_field_name("name")):
            t = spec.child_by_field_name("type")
            if t is not None:
                out.append(text(t))
            v = spec.child_by_field_name("value")
            if (
                v is not None
                and v.named_children
                and v.named_children[0].type == "composite_literal"
            ):
                out.append(text(v.named_children[0].child_by_field_name("type")))
    for st in f.of("short_var_declaration"):
        left, right = st.child_by_field_name("left"), st.child_by_field_name("right")
        if left is None or right is None:
            continue
        lhs = [text(n) for n in left.named_children]
        rhs = right.named_children
        if name in lhs and len(rhs) == len(lhs):
            val = rhs[lhs.index(name)]
            if val.type == "unary_expression":
                val = val.child_by_field_name("operand") or val
            if val.type == "composite_literal":
                out.append(text(val.child_by_field_name("type")))
    return out


def _qualify(f: GoFile, type_text: str) -> str:
    t = type_text.lstrip("*")
    if "." in t:
        alias, name = t.split(".", 1)
        imp = f.imports.get(alias)
        return f"{imp.path}.{name}" if imp else t
    return f"{f.package}.{t}"


def tag_line(src: tuple[GoFile, Node]) -> int:
    return line(src[1])
