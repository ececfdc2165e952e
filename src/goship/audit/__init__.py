"""``goship audit``: what is inside a built image, read as layer streams (never extracted).

* :mod:`.source` of the blobs is :mod:`goship.image.source` (layout, archives, daemon, registry);
* :mod:`.stream` decompresses a layer under :class:`~goship.audit.limits.Limits`;
* :mod:`.reader` walks one layer's tar stream safely into a :class:`~goship.audit.fsview.FsView`
  (whiteouts, symlinks resolved inside the image tree, wasted bytes);
* :mod:`.elfinfo` reduces ELF executables to facts (Go build info, interpreter, libraries);
* :mod:`.checks` holds the checks, each a small unit registered in one place;
* :mod:`.run` ties it together per platform, :mod:`.render` prints text, JSON and SARIF.
"""
