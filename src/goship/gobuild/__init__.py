"""Calls into the Go toolchain (``go env``, ``go list``, ``go build``)."""
