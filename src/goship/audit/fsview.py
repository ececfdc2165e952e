"""Audit's view of an image's final filesystem: :class:`goship.image.fsview.FsView` plus the
per-layer facts, where every file a later layer hides or overwrites adds its size to the
*wasted bytes* of the layer that brought it."""

from __future__ import annotations

from goship.audit.model import LayerFacts
from goship.image.fsview import EscapeError, FileEntry, lexical_target, split
from goship.image.fsview import FsView as _BaseView


class FsView(_BaseView):
    def __init__(self) -> None:
        super().__init__()
        self.layers: list[LayerFacts] = []

    def hidden(self, entry: FileEntry) -> None:
        if entry.kind == "file" and 0 <= entry.layer < len(self.layers):
            self.layers[entry.layer].wasted_bytes += entry.size


__all__ = ["EscapeError", "FileEntry", "FsView", "lexical_target", "split"]
