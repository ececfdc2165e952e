"""Errors of the vulnerability stage: unusable binaries and unusable vulnerability data."""

from __future__ import annotations

from goship.errors import BadInputError, EnvironmentMissingError


class NotAGoBinary(BadInputError):
    """The file is not an executable, or an executable that carries no Go build information."""


class MalformedBinary(BadInputError):
    """The file looks like a Go executable but its structures are truncated or inconsistent."""


class VulnDBError(BadInputError):
    """The vulnerability data (OSV JSON, index files, zip) is malformed."""


class VulnDBUnavailable(EnvironmentMissingError):
    """The vulnerability database cannot be reached and no cached copy exists."""
