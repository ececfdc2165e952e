"""Render generators' templates from an :class:`InitContext` into file contents.

Two Jinja environments: the default one, and one whose variables are written ``[[ ... ]]``
for files that are themselves templates using ``{{ ... }}`` (Helm charts, GitHub Actions
expressions). Both are strict: an unknown variable is an error, never an empty string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from goship.generate import pins
from goship.generate.context import InitContext
from goship.generate.header import header_text, with_header
from goship.generate.helm_schema import values_schema_json
from goship.generate.registry import Generator

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ALT_DIRS = ("helm/", "github/")


@dataclass(frozen=True)
class RenderedFile:
    path: str  # relative to the project root, posix
    content: str
    generator: str


def _yaml_str(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value))


@cache
def _env(alt: bool) -> jinja2.Environment:
    options: dict[str, Any] = {}
    if alt:
        options = {"variable_start_string": "[[", "variable_end_string": "]]"}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        **options,
    )
    env.filters["yaml_str"] = _yaml_str
    env.filters["tojson"] = lambda v: json.dumps(v)
    env.globals["pins"] = pins
    env.globals["values_schema_json"] = values_schema_json
    return env


def _variables(ctx: InitContext, generator: str) -> dict[str, Any]:
    names = [n for n in dir(ctx) if not n.startswith("_")]
    data = {n: getattr(ctx, n) for n in names}
    data["ctx"] = ctx
    data["header"] = header_text(generator, ctx.version)
    return data


def render(ctx: InitContext, generators: list[Generator]) -> list[RenderedFile]:
    """Every file of ``generators``, with its header, in registry order."""
    out: list[RenderedFile] = []
    for gen in generators:
        data = _variables(ctx, gen.name)
        for output in gen.outputs:
            alt = output.template.startswith(_ALT_DIRS)
            body = _env(alt).get_template(output.template).render(data)
            content = with_header(body, output.style, data["header"])
            path = output.path.format(name=ctx.name)
            out.append(RenderedFile(path, content, gen.name))
    return out
