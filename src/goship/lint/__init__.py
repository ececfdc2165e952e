"""``goship lint``: Go-aware Dockerfile checks, cross-checked with the project's facts and
merged with hadolint's findings (see :mod:`goship.lint.registry` for the rules)."""
