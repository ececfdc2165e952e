"""What a check is. Two kinds, after trivy's fanal analyzers:

* a *content* check looks at one file while its layer streams by: ``wants(path, size)`` is
  the cheap filter (fanal's ``Required``), ``scan(path, data)`` yields messages (``Analyze``);
* an *image* check looks at the finished :class:`~goship.audit.model.ImageAudit` (config, final
  filesystem, Go binaries) and yields :class:`Hit`.

Every check has a stable ``id``, a severity, a one-line description and, where one applies,
the dockle checkpoint it corresponds to. They are all listed in :mod:`goship.audit.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from goship.audit.model import SEVERITIES, ImageAudit


@dataclass(frozen=True)
class Hit:
    message: str
    path: str = ""
    layer: int | None = None


ImageRun = Callable[[ImageAudit], Iterable[Hit]]
ContentWants = Callable[[str, int], bool]
ContentScan = Callable[[str, bytes], Iterable[str]]


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    description: str
    dockle: str = ""
    run: ImageRun | None = None
    wants: ContentWants | None = None
    scan: ContentScan | None = None
    # content findings in a file that a later layer deletes are still reported (the bytes
    # stay in the lower layer's blob); False: only the final file counts (/etc/shadow)
    persists: bool = True

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"check {self.id}: bad severity {self.severity}")
        if (self.run is None) == (self.scan is None) or (self.scan is None) != (self.wants is None):
            raise ValueError(f"check {self.id}: give run, or wants and scan")

    @property
    def is_content(self) -> bool:
        return self.scan is not None
