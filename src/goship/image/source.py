"""Where an image's blobs come from: an OCI layout directory, an OCI or docker archive, a
local Docker daemon (``docker-daemon:NAME``, via ``docker save`` to a temp file) or a registry.
The one image reader of goship's checkers (scan, sbom and audit).

Every source answers two questions: the roots to start from (OCI index entries, or docker
``manifest.json`` items) and ``open(digest-or-path)`` as a stream. Nothing is extracted to
disk; registry blobs are downloaded to a private temp directory and verified first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from goship.errors import BadInputError, EnvironmentMissingError

MAX_JSON = 16 << 20
HINT = "re-export the image (goship build -o, docker save, skopeo copy) or check the path"


def _bad(message: str, hint: str = HINT) -> BadInputError:
    """A bad-input error about an image, with the usual fix."""
    return BadInputError(message, hint)


@dataclass(frozen=True)
class DockerRoot:
    """One ``manifest.json`` item of a docker archive: config and layer paths in the tar."""

    config: str
    layers: tuple[str, ...]
    tags: tuple[str, ...]


class ImageSource:
    """Base: subclasses implement :meth:`open` and :meth:`roots`."""

    name: str = ""

    def open(self, key: str) -> AbstractContextManager[IO[bytes]]:
        """A stream of a blob (by digest) or of a file of the source (by path)."""
        raise NotImplementedError

    def read_json(self, key: str) -> Any:
        with self.open(key) as fh:
            raw = fh.read(MAX_JSON + 1)
        if len(raw) > MAX_JSON:
            raise _bad(f"{self.name}: {key} is too large for an image JSON document")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad(f"{self.name}: {key} is not valid JSON ({exc})") from exc

    def manifest(self, digest: str) -> Any:
        """A manifest or index document by digest."""
        return self.read_json(digest)

    def roots(self) -> list[dict[str, Any] | DockerRoot]:
        raise NotImplementedError

    def close(self) -> None:
        """Release temp files (daemon and registry sources)."""


def _blob_path(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or not all(c in "0123456789abcdef" for c in hexpart):
        raise _bad(f"unsupported or malformed digest {digest!r}")
    return f"blobs/sha256/{hexpart}"


def _index_roots(doc: Any, where: str) -> list[dict[str, Any] | DockerRoot]:
    if not isinstance(doc, dict) or not isinstance(doc.get("manifests"), list):
        raise _bad(f"{where}: index.json has no manifests list")
    return [m for m in doc["manifests"] if isinstance(m, dict)]


class LayoutSource(ImageSource):
    def __init__(self, root: Path, ref: str | None = None) -> None:
        self.root, self.ref, self.name = root, ref, str(root)

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        path = self.root / (_blob_path(key) if ":" in key else key)
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise _bad(f"{self.name}: cannot open {key}: {exc.strerror}") from exc
        with fh:
            yield fh

    def roots(self) -> list[dict[str, Any] | DockerRoot]:
        entries = _index_roots(self.read_json("index.json"), self.name)
        if self.ref is not None:
            entries = [
                e
                for e in entries
                if isinstance(e, dict)
                and (e.get("annotations") or {}).get("org.opencontainers.image.ref.name")
                == self.ref
            ]
            if not entries:
                raise _bad(f"{self.name} has no image tagged {self.ref!r}")
        return entries


class TarSource(ImageSource):
    """An OCI archive (a tarred layout) or a docker archive (``docker save``)."""

    def __init__(self, path: Path, display: str | None = None) -> None:
        self.path, self.name = path, display or str(path)
        try:
            self._tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed in close()
            self._members = {m.name.removeprefix("./"): m for m in self._tar.getmembers()}
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise _bad(f"{self.name} is not a readable image archive: {exc}") from exc

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        name = _blob_path(key) if key.startswith("sha256:") else key
        member = self._members.get(name)
        fh = self._tar.extractfile(member) if member is not None and member.isfile() else None
        if fh is None:
            raise _bad(f"{self.name}: the archive has no {name}")
        with fh:
            yield fh

    def roots(self) -> list[dict[str, Any] | DockerRoot]:
        if "manifest.json" in self._members:
            doc = self.read_json("manifest.json")
            if not isinstance(doc, list):
                raise _bad(f"{self.name}: manifest.json is not a list")
            out: list[dict[str, Any] | DockerRoot] = []
            for item in doc:
                if not isinstance(item, dict) or not isinstance(item.get("Config"), str):
                    raise _bad(f"{self.name}: manifest.json item without Config")
                layers = item.get("Layers") or []
                if not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
                    raise _bad(f"{self.name}: manifest.json Layers must be strings")
                tags = tuple(t for t in item.get("RepoTags") or [] if isinstance(t, str))
                out.append(DockerRoot(item["Config"], tuple(layers), tags))
            return out
        if "index.json" in self._members:
            return _index_roots(self.read_json("index.json"), self.name)
        raise _bad(
            f"{self.name} is neither an OCI archive (index.json) nor a docker archive "
            "(manifest.json)"
        )

    def close(self) -> None:
        self._tar.close()


class DaemonSource(TarSource):
    """``docker-daemon:NAME``: ``docker save NAME`` into a private temp file."""

    def __init__(self, image: str) -> None:
        docker = shutil.which("docker")
        if docker is None:
            raise EnvironmentMissingError(
                "docker-daemon: needs the docker client", "install docker or save the image first"
            )
        self._tmp = Path(tempfile.mkdtemp(prefix="goship-save-"))
        out = self._tmp / "image.tar"
        try:
            proc = subprocess.run(
                [docker, "save", "-o", str(out), image],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise EnvironmentMissingError(f"docker save {image} failed: {exc}") from exc
        if proc.returncode != 0:
            shutil.rmtree(self._tmp, ignore_errors=True)
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise _bad(f"docker save {image} failed: {tail}")
        super().__init__(out, f"docker-daemon:{image}")

    def close(self) -> None:
        super().close()
        shutil.rmtree(self._tmp, ignore_errors=True)


class RegistrySource(ImageSource):
    """A registry reference, read through goship's registry client."""

    def __init__(self, ref: str, insecure: bool = False) -> None:
        from goship.registry import RegistryClient, parse_reference

        self.ref = parse_reference(ref)
        self.name = ref
        self.client = RegistryClient(insecure=insecure)
        self._tmp = Path(tempfile.mkdtemp(prefix="goship-pull-"))
        self._manifests: dict[str, bytes] = {}

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        if key in self._manifests:
            import io

            yield io.BytesIO(self._manifests[key])
            return
        dest = self._tmp / key.replace(":", "-")
        if not dest.exists():
            self.client.fetch_blob(self.ref, key, dest)
        try:
            with dest.open("rb") as fh:
                yield fh
        finally:
            dest.unlink(missing_ok=True)

    def manifest(self, digest: str) -> Any:
        fetched = self.client.get_manifest(self.ref.with_digest(digest))
        self._manifests[digest] = fetched.body
        return fetched.json()

    def roots(self) -> list[dict[str, Any] | DockerRoot]:
        fetched = self.client.get_manifest(self.ref)
        self._manifests[fetched.digest] = fetched.body
        return [
            {"mediaType": fetched.media_type, "digest": fetched.digest, "size": len(fetched.body)}
        ]

    def close(self) -> None:
        self.client.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def open_image_source(target: str) -> ImageSource | None:
    """The image source for ``target``, or None when it is not an image reference/path."""
    if target.startswith("docker-daemon:"):
        return DaemonSource(target.removeprefix("docker-daemon:"))
    for prefix in ("oci:", "oci-archive:", "docker-archive:"):
        if target.startswith(prefix):
            target = target.removeprefix(prefix)
            break
    path, ref = Path(target), None
    if not path.exists() and ":" in target:
        head, _, tail = target.rpartition(":")
        if Path(head).is_dir() and (Path(head) / "oci-layout").is_file():
            path, ref = Path(head), tail
    if path.is_dir():
        return LayoutSource(path, ref) if (path / "oci-layout").is_file() else None
    if path.is_file():
        with path.open("rb") as fh:
            head_bytes = fh.read(512)
        if len(head_bytes) >= 262 and head_bytes[257:262] == b"ustar":
            return TarSource(path)
        return None
    if os.sep in target and not any(c in target for c in ":@"):
        return None  # a missing local path, not a reference
    if "/" in target or ":" in target or "@" in target:
        return RegistrySource(target)
    return None


INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
CONFIG_TYPES = {
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
}
MAX_DEPTH = 4


@dataclass(frozen=True)
class LayerRef:
    """One layer of a platform image: the key to :meth:`ImageSource.open` (a digest, or a
    path in a docker archive), its media type and its compressed size (0 when unknown)."""

    key: str
    media_type: str = ""
    size: int = 0


@dataclass(frozen=True)
class PlatformImage:
    """One image of a source: its manifest (or config) digest, config document and layers."""

    digest: str
    config: dict[str, Any]
    layers: tuple[LayerRef, ...]
    config_key: str = ""

    @property
    def platform(self) -> str:
        parts = [str(self.config.get("os") or "unknown")]
        parts.append(str(self.config.get("architecture") or "unknown"))
        if self.config.get("variant"):
            parts.append(str(self.config["variant"]))
        return "/".join(parts)


def _config(source: ImageSource, key: str) -> dict[str, Any]:
    doc = source.read_json(key)
    if not isinstance(doc, dict):
        raise _bad(f"{source.name}: the image config {key} is not a JSON object")
    return doc


def _str(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(f"{where}: {what} is missing or not a string")
    return value


def _layer_refs(doc: dict[str, Any], where: str) -> tuple[LayerRef, ...]:
    layers = doc.get("layers") or []
    if not isinstance(layers, list):
        raise _bad(f"{where}: layers is not a list")
    out = []
    for ld in layers:
        if not isinstance(ld, dict):
            raise _bad(f"{where}: a layer descriptor is not an object")
        size = ld.get("size")
        out.append(
            LayerRef(
                _str(ld.get("digest"), "a layer digest", where),
                str(ld.get("mediaType") or ""),
                size if isinstance(size, int) and size >= 0 else 0,
            )
        )
    return tuple(out)


def iter_images(source: ImageSource) -> Iterator[PlatformImage]:
    """Every platform image reachable from the source's roots (indexes followed, attestation
    manifests and non-image artifacts such as SBOMs skipped). Malformed documents raise
    :class:`BadInputError` naming the document."""

    def visit(desc: dict[str, Any], depth: int) -> Iterator[PlatformImage]:
        if depth > MAX_DEPTH:
            raise _bad(f"{source.name}: image indexes nest too deeply")
        digest = _str(desc.get("digest"), "a descriptor's digest", source.name)
        ann = desc.get("annotations") or {}
        if isinstance(ann, dict) and ann.get("vnd.docker.reference.type") == "attestation-manifest":
            return
        doc = source.manifest(digest)
        where = f"{source.name}: {digest}"
        if not isinstance(doc, dict):
            raise _bad(f"{where} is not a JSON object")
        media = doc.get("mediaType") or desc.get("mediaType") or ""
        if media in INDEX_TYPES or (not media and "manifests" in doc):
            children = doc.get("manifests") or []
            if not isinstance(children, list):
                raise _bad(f"{where}: manifests is not a list")
            for child in children:
                if isinstance(child, dict):
                    yield from visit(child, depth + 1)
            return
        if media not in MANIFEST_TYPES and "layers" not in doc:
            return
        cfg = doc.get("config")
        if not isinstance(cfg, dict):
            raise _bad(f"{where}: the manifest has no config descriptor")
        if cfg.get("mediaType") not in CONFIG_TYPES:
            return  # an artifact (SBOM, signature), not an image
        key = _str(cfg.get("digest"), "the config digest", where)
        yield PlatformImage(digest, _config(source, key), _layer_refs(doc, where), key)

    for root in source.roots():
        if isinstance(root, DockerRoot):
            digest = "sha256:" + root.config.rsplit("/", 1)[-1].removesuffix(".json")
            layers = tuple(LayerRef(path) for path in root.layers)
            yield PlatformImage(digest, _config(source, root.config), layers, root.config)
        else:
            yield from visit(root, 0)
