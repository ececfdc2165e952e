"""goship: from Go source to a minimal, secure, verified container image."""

__version__ = "0.1.0"
