"""``python -m goship`` — same as the ``goship`` console script."""

from goship.launch import main

main()
