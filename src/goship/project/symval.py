"""Symbolic string values: what an expression evaluates to when its value depends on an
env var, a flag or a config key, and how alternatives and concatenations combine."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

HOLE = "\x00"  # stands for the env var's value in Val.tmpl


@dataclass(frozen=True)
class Origin:
    file: str
    line: int
    detail: str


@dataclass(frozen=True)
class Val:
    """A symbolic string value. ``text`` is the value with defaults applied (None when not
    known); ``tmpl`` is the text with HOLE where the env var's value goes."""

    text: str | None = None
    tmpl: str | None = None
    env: str | None = None
    env_default: str | None = None
    flag: str | None = None
    key: str | None = None  # config key (viper)
    key_env: str | None = None  # env var viper reads for ``key``
    origins: tuple[Origin, ...] = ()
    hints: tuple[str, ...] = ()  # names of unresolved fields/keys (for config-file lookup)

    @property
    def source(self) -> str | None:
        if self.env:
            return "env"
        if self.flag:
            return "flag"
        if self.key:
            return "config"
        return "literal" if self.text is not None else None

    @property
    def informative(self) -> bool:
        return self.source is not None


UNKNOWN = Val()


def literal(s: str, origin: Origin | None = None) -> Val:
    return Val(text=s, origins=(origin,) if origin else ())


def env_val(name: str, default: str | None, origin: Origin) -> Val:
    return Val(text=default, tmpl=HOLE, env=name, env_default=default, origins=(origin,))


def concat(parts: list[Val]) -> Val:
    if not parts:
        return UNKNOWN
    texts = [p.text for p in parts]
    primary = next((p for p in parts if p.env), None)
    tmpl = None
    if primary is not None and primary.tmpl is not None:
        pieces = [primary.tmpl if p is primary else p.text for p in parts]
        tmpl = "".join(x for x in pieces if x is not None) if None not in pieces else None
    return Val(
        text="".join(t for t in texts if t is not None) if None not in texts else None,
        tmpl=tmpl,
        env=primary.env if primary else None,
        env_default=primary.env_default if primary else None,
        flag=next((p.flag for p in parts if p.flag), None),
        key=next((p.key for p in parts if p.key), None),
        key_env=next((p.key_env for p in parts if p.key_env), None),
        origins=tuple(o for p in parts for o in p.origins),
        hints=tuple(dict.fromkeys(h for p in parts for h in p.hints)),
    )


def merge(alts: list[Val]) -> Val:
    """Alternatives of one value (several assignments, ``cmp.Or``, several returns)."""
    hints = tuple(dict.fromkeys(h for a in alts for h in a.hints))
    alts = [a for a in alts if a.informative]
    if not alts:
        return Val(hints=hints) if hints else UNKNOWN
    primary = (
        next((a for a in alts if a.env), None)
        or next((a for a in alts if a.flag), None)
        or next((a for a in alts if a.key), None)
        or alts[0]
    )
    with_text = sorted((a for a in alts if a.text is not None), key=lambda a: a.source != "literal")
    fallback = with_text[0].text if with_text else None
    out = primary
    if out.text is None and fallback is not None:
        out = replace(out, text=fallback)
        if out.env and out.env_default is None and out.tmpl is not None:
            out = replace(out, env_default=_fill_hole(out.tmpl, fallback))
    if out.env and out.env_default is None:
        same = next((a.env_default for a in alts if a.env == out.env and a.env_default), None)
        out = replace(out, env_default=same)
    out = replace(
        out,
        flag=out.flag or next((a.flag for a in alts if a.flag), None),
        key=out.key or next((a.key for a in alts if a.key), None),
        key_env=out.key_env or next((a.key_env for a in alts if a.key_env), None),
        origins=tuple(o for a in alts for o in a.origins),
        hints=hints,
    )
    return out


def _fill_hole(tmpl: str, full: str) -> str | None:
    pre, _, post = tmpl.partition(HOLE)
    if full.startswith(pre) and full.endswith(post) and len(full) >= len(pre) + len(post):
        return full[len(pre) : len(full) - len(post)]
    return None


def port_of(val: Val) -> int | None:
    """The TCP port in an address text: ":8080", "0.0.0.0:8080", "8080", "[::]:8080"."""
    if val.text is None:
        return None
    m = re.fullmatch(r"(?:.*:)?(\d{1,5})/?", val.text.strip())
    if not m:
        return None
    port = int(m.group(1))
    return port if 0 < port < 65536 else None
