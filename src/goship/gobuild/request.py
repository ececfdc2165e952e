"""Turn facts + options + git info into a :class:`CompileRequest` (the compile step's input)."""

from __future__ import annotations

from pathlib import Path

from goship.config import BuildOptions
from goship.gobuild.cgo import plan_cgo
from goship.gobuild.compile import CompileRequest, main_target
from goship.gobuild.ldflags import StampValues, build_ldflags
from goship.gobuild.vcs import GitInfo, epoch_rfc3339
from goship.project.facts import ProjectFacts


def resolve_version(options: BuildOptions, git: GitInfo) -> str:
    """``--app-version`` > ``--semver`` > a tag on HEAD (clean tree) > ``dev``."""
    if options.version:
        return options.version
    if options.semver:
        return options.semver
    if git.tags and not git.dirty:
        return git.tags[-1]
    return "dev"


def stamp_values(options: BuildOptions, git: GitInfo, epoch: int) -> StampValues:
    return StampValues(
        version=resolve_version(options, git),
        commit=git.commit or "unknown",
        short_commit=git.short_commit or "unknown",
        date=epoch_rfc3339(epoch),
        epoch=epoch,
    )


def make_request(
    facts: ProjectFacts,
    options: BuildOptions,
    git: GitInfo,
    epoch: int,
    out_dir: Path,
    tags: tuple[str, ...] | None = None,
) -> CompileRequest:
    """Everything `go build` needs; raises ProjectError for no main / refused cgo.

    ``tags`` defaults to ``options.go_tags`` (the pipeline passes the facts-aware set)."""
    package, name = main_target(facts)
    tags = options.go_tags if tags is None else tags
    cgo = plan_cgo(
        facts,
        mode=options.cgo,
        base=options.base,
        platforms=options.platforms,
        package=package,
        tags=tags,
        display=facts.service.main,
    )
    return CompileRequest(
        root=Path(facts.root),
        package=package,
        name=name,
        platforms=tuple(options.platforms),
        tags=tags,
        ldflags=build_ldflags(options.x, options.ldflags, stamp_values(options, git, epoch)),
        cgo=cgo,
        out_dir=out_dir,
        display=facts.service.main or "",
    )
