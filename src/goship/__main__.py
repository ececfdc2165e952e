"""``python -m goship`` — same as the ``goship`` console script."""

from goship.cli import main

main()
