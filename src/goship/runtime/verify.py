"""``goship verify``: run an image the way production will and prove it serves.

:func:`verify` (an IMAGE argument) and :func:`verify_artifact` (straight from ``goship build``)
detect the engine, resolve the image, run one hardened container, measure it, stop it with
its stop signal, diagnose failures from the logs, and always remove the container, the
temporary image tag and temp files (:class:`~goship.runtime.cleanup.Cleanup`, Ctrl-C
included). The result is a :class:`~goship.runtime.report.VerifyReport`; deciding the exit
code is the command's job.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from goship.image.blobs import BlobStore
from goship.image.model import Artifact
from goship.image.platform import Platform
from goship.runtime import container as ctr
from goship.runtime.cleanup import Cleanup
from goship.runtime.diagnose import by_id, diagnose
from goship.runtime.engine import Engine, detect_engine
from goship.runtime.findings import Finding
from goship.runtime.probe import http_get, port_accepts
from goship.runtime.report import VerifyReport
from goship.runtime.resolve import ResolvedImage, resolve_artifact, resolve_image
from goship.runtime.target import Target, resolve_target

SHUTDOWN_FIX = (
    "handle SIGTERM: signal.NotifyContext(ctx, syscall.SIGTERM), then http.Server.Shutdown "
    "with a deadline shorter than the grace period (Kubernetes waits "
    "terminationGracePeriodSeconds, 30 s by default, docker stop 10 s)"
)


@dataclass(frozen=True)
class VerifyOptions:
    port: int | None = None
    health: str | None = None
    engine: str | None = None
    project: Path | None = None
    timeout: float = 30.0
    grace: float = 10.0
    labels: dict[str, str] = field(default_factory=dict)


def _new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def verify(image: str, options: VerifyOptions) -> VerifyReport:
    """Verify IMAGE (an engine image or an OCI layout/archive path)."""
    engine = detect_engine(options.engine)
    run_id = _new_run_id()
    host = Platform.host()
    with Cleanup() as cleanup:
        resolved = resolve_image(engine, image, run_id=run_id, cleanup=cleanup, host=host)
        return _verify_resolved(engine, resolved, options, run_id, cleanup, host)


def verify_artifact(
    artifact: Artifact, store: BlobStore, options: VerifyOptions, *, display: str
) -> VerifyReport:
    """Verify an artifact held in ``store`` (``goship build --verify``)."""
    engine = detect_engine(options.engine)
    run_id = _new_run_id()
    host = Platform.host()
    with Cleanup() as cleanup:
        resolved = resolve_artifact(
            engine, artifact, store, display=display, run_id=run_id, cleanup=cleanup, host=host
        )
        return _verify_resolved(engine, resolved, options, run_id, cleanup, host)


def _refused(report: VerifyReport, resolved: ResolvedImage, host: Platform) -> VerifyReport:
    diag = by_id("exec-format")
    report.findings.append(
        Finding(
            diag.id,
            "error",
            f"no platform of the image runs natively on this {host} host "
            f"(image: {', '.join(resolved.skipped_platforms)}); not run under emulation",
            diag.fix,
        )
    )
    return report


def _verify_resolved(
    engine: Engine,
    resolved: ResolvedImage,
    options: VerifyOptions,
    run_id: str,
    cleanup: Cleanup,
    host: Platform,
) -> VerifyReport:
    report = VerifyReport(
        image=resolved.display,
        engine=engine.name,
        platform=resolved.platform,
        skipped_platforms=resolved.skipped_platforms,
        image_user=str(resolved.config.get("User") or "") or None,
    )
    if resolved.mismatch or resolved.ref is None:
        return _refused(report, resolved, host)
    target = resolve_target(
        resolved.config, port=options.port, health=options.health, project=options.project
    )
    report.port, report.health_path, report.sources = (
        target.port,
        target.health_path,
        target.sources,
    )
    report.findings.extend(target.findings)
    name = f"goship-verify-{run_id}"
    cleanup.add(f"remove container {name}", lambda: engine.run(["rm", "-f", "-v", name]))
    engine.check(ctr.create_args(resolved.ref, name, run_id, target, options.labels))
    signal = str(resolved.config.get("StopSignal") or "SIGTERM").upper()
    signal = signal if signal.startswith("SIG") or signal.isdigit() else f"SIG{signal}"
    _run(engine, name, target, options, signal, report)
    return report


def _run(
    engine: Engine,
    name: str,
    target: Target,
    options: VerifyOptions,
    signal: str,
    report: VerifyReport,
) -> None:
    began = time.monotonic()
    start_error = ctr.start(engine, name)
    texts = [start_error or ""]
    if start_error is None:
        report.started = True
        report.host_port = ctr.host_port(engine, name, target.port)
        healthy = _probe(engine, name, target, options, report, began)
        info = ctr.inspect(engine, name)
        state = info.get("State") or {}
        texts.append(str(state.get("Error") or ""))
        if state.get("Running"):
            if healthy:
                pid = int(state.get("Pid") or 0)
                report.user = ctr.observed_user(engine, name, pid)
                report.memory_bytes = ctr.memory_bytes(engine, name, pid)
            report.stop = ctr.stop(engine, name, signal, options.grace)
            _judge_stop(report, options.grace)
        else:
            code = state.get("ExitCode")
            report.exit_code = code if isinstance(code, int) else None
            report.findings.append(
                Finding(
                    "exited",
                    "error",
                    f"the service exited with code {report.exit_code} before it was healthy",
                    "see the diagnoses and the last log lines",
                )
            )
        count = ctr.inspect(engine, name).get("RestartCount")
        report.restart_count = count if isinstance(count, int) else None
        if report.restart_count:
            report.findings.append(
                Finding("restarted", "error", f"restarted {count} times", "see the logs")
            )
    else:
        report.findings.append(
            Finding(
                "start-failed",
                "error",
                f"the engine could not start the container: {start_error.splitlines()[-1]}",
                "see the diagnoses below and the engine's error",
            )
        )
    report.logs_tail = ctr.logs(engine, name)
    severity = "warning" if report.ok else "error"
    seen = {f.id for f in report.findings}
    for finding in diagnose([*report.logs_tail, *texts], report.exit_code, severity):
        if finding.id not in seen:
            report.findings.append(finding)


def _probe(
    engine: Engine,
    name: str,
    target: Target,
    options: VerifyOptions,
    report: VerifyReport,
    began: float,
) -> bool:
    """Wait for the port, then for a 2xx from the health path (GET / without one)."""
    deadline = began + options.timeout
    next_state = 0.0
    port_at: float | None = None
    path = target.health_path or "/"
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_state:
            if not (ctr.inspect(engine, name).get("State") or {}).get("Running"):
                return False
            next_state = now + 0.5
        if report.host_port is None:
            report.host_port = ctr.host_port(engine, name, target.port)
        if port_at is None:
            attempt = time.monotonic()
            if report.host_port is not None and port_accepts(report.host_port):
                port_at = attempt
                report.time_to_port_ms = int((port_at - began) * 1000)
            else:
                time.sleep(0.05)
            continue
        assert report.host_port is not None
        resp = http_get(report.host_port, path)
        if resp is not None:
            report.response = resp
            if 200 <= resp.status < 300 or (target.health_path is None and resp.status < 500):
                report.time_to_healthy_ms = int((time.monotonic() - began) * 1000)
                return True
        time.sleep(0.1)
    _timed_out(report, target, options)
    return False


def _timed_out(report: VerifyReport, target: Target, options: VerifyOptions) -> None:
    if report.time_to_port_ms is None:
        report.findings.append(
            Finding(
                "port-timeout",
                "error",
                f"nothing accepted connections on port {target.port} within {options.timeout:g} s",
                "check the port the service listens on (--port, the PORT variable), "
                "or raise --timeout",
            )
        )
        return
    status = report.response.status if report.response else None
    shown = f"answered {status}" if status else "gave no HTTP answer"
    report.findings.append(
        Finding(
            "health-timeout",
            "error",
            f"{target.health_path or '/'} {shown}; no 2xx within {options.timeout:g} s",
            "check --health PATH (the label/inspect value may be stale) or the service's "
            "readiness dependencies",
        )
    )


def _judge_stop(report: VerifyReport, grace: float) -> None:
    stop = report.stop
    if stop is None:
        return
    if not stop.graceful:
        report.findings.append(
            Finding(
                "not-graceful",
                "error",
                f"the service did not stop within {grace:g} s of {stop.signal}; it was killed",
                SHUTDOWN_FIX,
            )
        )
    elif stop.exit_code not in (0, None):
        report.findings.append(
            Finding(
                "signal-not-handled",
                "warning",
                f"exit code {stop.exit_code} after {stop.signal}: the service did not shut "
                "down cleanly (in-flight requests are cut)",
                SHUTDOWN_FIX,
            )
        )
