"""Test utilities shared by every goship test module (import as ``helpers``).

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject's pytest options), so test modules
anywhere under ``tests/`` write ``from helpers import build_go_program``.
"""

from helpers.blobs import zstd
from helpers.cli import goship_env, run_goship
from helpers.docker import TEST_LABEL, TEST_LABEL_KEY, TEST_REPO, DockerEngine, docker_cli
from helpers.env import in_ci, require_tool, tool_report, tools_bin, unavailable
from helpers.gotools import build_go_program, go_binary, go_env, write_go_module
from helpers.net import free_port, wait_http
from helpers.registry import LocalRegistry, start_registry

__all__ = [
    "TEST_LABEL",
    "TEST_LABEL_KEY",
    "TEST_REPO",
    "DockerEngine",
    "LocalRegistry",
    "build_go_program",
    "docker_cli",
    "free_port",
    "go_binary",
    "go_env",
    "goship_env",
    "in_ci",
    "require_tool",
    "run_goship",
    "start_registry",
    "tool_report",
    "tools_bin",
    "unavailable",
    "wait_http",
    "write_go_module",
    "zstd",
]
