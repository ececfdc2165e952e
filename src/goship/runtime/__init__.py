"""``goship verify``: run a built image hardened, measure it, diagnose known Go failures.

engine (docker/podman detection) -> resolve (IMAGE to an engine image, native platform) ->
target (port, health path, user) -> container (create/start/stop/read back) + probe ->
diagnose (log signatures) -> report (JSON and text). cleanup makes removal certain.
"""
