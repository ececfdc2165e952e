"""``goship audit``: what is inside a built image, read as layer streams (never extracted).

* :mod:`.source` of the blobs is :mod:`goship.image.source` (layout, archives, daemon, registry);
* :func:`goship.image.layerwalk.walk_layer` streams each layer safely, under
  :class:`~goship.audit.limits.Limits`, into a :class:`~goship.audit.fsview.FsView`
  (whiteouts, symlinks resolved inside the image tree; audit's view adds wasted bytes);
* :mod:`.reader` is the walk's per-file callback (content checks, ELF executables);
* :mod:`.elfinfo` reduces ELF executables to facts (Go build info, interpreter, libraries);
* :mod:`.checks` holds the checks, each a small unit registered in one place;
* :mod:`.run` ties it together per platform, :mod:`.render` prints text, JSON and SARIF.
"""
