"""Files the service opens at run time (Gin templates, static dirs, config files) must be in
the image where the program looks for them: relative paths resolve against WorkingDir.

What the program opens comes from goship's source analysis: ``goship audit --project PATH``
runs ``goship inspect`` on the source; without it, an image built by ``goship build`` carries
the list in its ``dev.goship.service`` label. Images with neither are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from goship.audit.checks.base import Check, Hit
from goship.audit.model import ImageAudit
from goship.image.config import SERVICE_LABEL, read_service_label
from goship.image.files import in_image, runtime_root


def expected_runtime_files(audit: ImageAudit) -> tuple[list[str], str]:
    """The run-time paths the code opens and where that knowledge comes from."""
    if audit.project_runtime_files is not None:
        return list(audit.project_runtime_files), "goship inspect of --project"
    files = read_service_label(audit.runtime).get("runtime_files")
    if not isinstance(files, list):
        return [], ""
    return [f for f in files if isinstance(f, str)], f"the {SERVICE_LABEL} label"


def _runtime_files(audit: ImageAudit) -> Iterator[Hit]:
    expected, source = expected_runtime_files(audit)
    workdir = str(audit.runtime.get("WorkingDir") or "/")
    for rel in expected:
        clean = runtime_root(rel)  # where goship build puts it, too
        path = in_image(clean, workdir)
        if clean != "." and not audit.view.exists(path):
            yield Hit(
                f"the code opens {rel} at run time ({source}) but the image has no {path} "
                f"(WorkingDir {workdir}): the service fails with 'pattern matches no files' or "
                "'no such file or directory'; copy it there (goship build copies detected "
                "runtime files; add others with --file SRC:DST) or //go:embed it",
                path,
            )


RUNTIME_FILES_MISSING = Check(
    "runtime-files-missing", "error",
    "Templates/static/config files the code opens at run time are missing from the image.",
    run=_runtime_files,
)  # fmt: skip
