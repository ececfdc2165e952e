"""``--chart out.png``: layer sizes (compressed, uncompressed, wasted) as a bar chart.

matplotlib is the optional ``goship[chart]`` extra, imported only here and only when asked.
"""

from __future__ import annotations

import io
from pathlib import Path

from goship.audit.run import AuditReport
from goship.errors import EnvironmentMissingError
from goship.fsutil import write_atomic


def write_chart(report: AuditReport, target: Path) -> Path:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise EnvironmentMissingError(
            "--chart needs matplotlib, which is not installed",
            "pip install 'goship[chart]' (or pip install matplotlib)",
        ) from None
    images = report.images
    fig, axes = plt.subplots(len(images), 1, figsize=(9, 3.2 * len(images)), squeeze=False)
    mib = float(1 << 20)
    for ax, img in zip(axes[:, 0], images, strict=True):
        xs = list(range(len(img.layers)))
        width = 0.28
        ax.bar([x - width for x in xs], [x.compressed_size / mib for x in img.layers], width,
               label="compressed")  # fmt: skip
        ax.bar(xs, [x.uncompressed_size / mib for x in img.layers], width, label="uncompressed")
        ax.bar([x + width for x in xs], [x.wasted_bytes / mib for x in img.layers], width,
               label="wasted")  # fmt: skip
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel("layer")
        ax.set_ylabel("MiB")
        ax.set_title(f"{report.target} [{img.platform}]", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return write_atomic(target, buf.getvalue())
