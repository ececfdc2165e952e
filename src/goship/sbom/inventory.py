"""What an SBOM lists, independent of the output format.

From a scan target (a binary, an image, a directory or a project) goship records:

* the image (when the target is one): name, manifest digest, platform;
* each Go binary: its path and SHA-256;
* the main module, every dependency module (the module whose code was built: the replacement
  when there is one) and the standard library, as ``pkg:golang/...`` purls;
* files goship's base layer adds (the CA bundle, the zoneinfo tree) when present in the image.

About module hashes: go.sum's ``h1:`` value is base64 of a SHA-256 — but of the module's
*directory hash* (a sorted list of ``sha256  path`` lines for every file in the module zip,
golang.org/x/mod/sumdb/dirhash Hash1), not of any downloadable file. goship reports it as a
SHA-256 hash (hex) and says so in a property (``goship:hash:kind = go-dirhash-h1``) and keeps
the original ``h1:`` string, so nobody mistakes it for a checksum of an archive.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from packageurl import PackageURL

from goship.vuln.binary import GoBinary
from goship.vuln.imagewalk import ImageFile
from goship.vuln.modinfo import Module
from goship.vuln.semver import go_tag_to_semver
from goship.vuln.targets import Collected

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
ZONEINFO = "/usr/share/zoneinfo/"
H1_NOTE = (
    "go.sum h1: the SHA-256 of the module's directory hash (dirhash Hash1 over its files), "
    "not of a downloadable archive"
)


def wanted_image_file(path: str) -> bool:
    """The image files an SBOM records (paths without the leading slash)."""
    return "/" + path == CA_BUNDLE or ("/" + path).startswith(ZONEINFO)


@dataclass(frozen=True)
class Item:
    ref: str  # stable identifier: bom-ref / SPDX id suffix
    kind: str  # image | binary | module | stdlib | file
    name: str
    version: str = ""
    purl: str = ""
    sha256: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    description: str = ""


@dataclass
class Inventory:
    name: str
    subject: Item
    created: datetime
    items: list[Item] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (from, kind, to)

    def add(self, item: Item) -> Item:
        if all(i.ref != item.ref for i in self.items):
            self.items.append(item)
        return item

    def relate(self, source: str, kind: str, target: str) -> None:
        if (source, kind, target) not in self.relations:
            self.relations.append((source, kind, target))


def h1_to_sha256(sum_: str) -> str:
    """``h1:<base64>`` -> hex (``""`` when not an h1 sum)."""
    if not sum_.startswith("h1:"):
        return ""
    try:
        raw = base64.b64decode(sum_[3:], validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 32 else ""


def golang_purl(path: str, version: str) -> str:
    namespace, _, name = path.rpartition("/")
    valid = version and version != "(devel)" and not version.startswith(("./", "../", "/"))
    return PackageURL(
        type="golang", namespace=namespace or None, name=name, version=version if valid else None
    ).to_string()


def _ref(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def module_item(mod: Module, role: str) -> Item:
    eff = mod.effective
    props: list[tuple[str, str]] = [("goship:module:role", role)]
    sha = h1_to_sha256(eff.sum)
    if sha:
        props += [("goship:hash:kind", "go-dirhash-h1"), ("goship:go.sum", eff.sum)]
    if mod.replace is not None:
        props.append(("goship:module:replaces", f"{mod.path}@{mod.version}"))
    version = eff.version if eff.version != "(devel)" else ""
    return Item(
        ref=f"mod-{_ref(eff.path, eff.version)}",
        kind="module",
        name=eff.path,
        version=version,
        purl=golang_purl(eff.path, eff.version),
        sha256=sha,
        properties=tuple(props),
    )


def add_binary(inv: Inventory, binary: GoBinary, parent: str) -> None:
    build = binary.build
    path = binary.location.split("//", 1)[1] if "//" in binary.location else binary.location
    bin_item = inv.add(
        Item(
            ref=f"bin-{_ref(binary.location, binary.sha256)}",
            kind="binary",
            name="/" + path.lstrip("/") if "//" in binary.location else path,
            sha256=binary.sha256,
            properties=(
                ("goship:go:version", build.go_version),
                ("goship:go:GOOS", build.goos),
                ("goship:go:GOARCH", build.goarch),
                ("goship:go:trimpath", str(build.trimpath).lower()),
            ),
        )
    )
    inv.relate(parent, "CONTAINS", bin_item.ref)
    main_ref = bin_item.ref
    if build.main is not None:
        main = inv.add(module_item(build.main, "main"))
        inv.relate(bin_item.ref, "CONTAINS", main.ref)
        main_ref = main.ref
    go = go_tag_to_semver(build.go_version)
    std = inv.add(
        Item(
            ref=f"std-{_ref(go or build.go_version)}",
            kind="stdlib",
            name="stdlib",
            version=go,
            purl=PackageURL(type="golang", name="stdlib", version=go or None).to_string(),
            description=f"Go standard library ({build.go_version})",
        )
    )
    inv.relate(bin_item.ref, "CONTAINS", std.ref)
    for dep in build.deps:
        item = inv.add(module_item(dep, "dependency"))
        inv.relate(bin_item.ref, "CONTAINS", item.ref)
        inv.relate(main_ref, "DEPENDS_ON", item.ref)


def add_files(inv: Inventory, files: Iterable[ImageFile], parent: str) -> None:
    zone = sorted((f for f in files if f.path.startswith(ZONEINFO)), key=lambda f: f.path)
    for f in files:
        if f.path == CA_BUNDLE:
            item = inv.add(
                Item(
                    ref=f"file-{_ref(f.path, f.sha256)}",
                    kind="file",
                    name=f.path,
                    sha256=f.sha256,
                    description="CA certificate bundle",
                    properties=(("goship:file:size", str(f.size)),),
                )
            )
            inv.relate(parent, "CONTAINS", item.ref)
    if zone:
        digest = hashlib.sha256("".join(f"{f.sha256}  {f.path}\n" for f in zone).encode())
        item = inv.add(
            Item(
                ref=f"file-{_ref(ZONEINFO, digest.hexdigest())}",
                kind="file",
                name=ZONEINFO.rstrip("/"),
                sha256=digest.hexdigest(),
                description=f"IANA time zone database ({len(zone)} files)",
                properties=(
                    ("goship:file:count", str(len(zone))),
                    ("goship:hash:kind", "sha256 of the sorted 'sha256  path' lines of its files"),
                ),
            )
        )
        inv.relate(parent, "CONTAINS", item.ref)


def build_inventory(collected: Collected, created: datetime) -> Inventory:
    """The inventory of a collected target (see :mod:`goship.vuln.targets`)."""
    name = collected.target.rstrip("/").rsplit("/", 1)[-1] or collected.target
    if collected.kind == "image":
        first = collected.images[0] if collected.images else None
        digest = first.digest if first else ""
        subject = Item(
            ref=f"img-{_ref(collected.target, digest)}",
            kind="image",
            name=name,
            version=digest,
            purl=PackageURL(
                type="oci", name=name.split(":")[0].lower(), version=digest or None
            ).to_string(),
            sha256=digest.removeprefix("sha256:"),
            properties=tuple(("goship:image:platform", i.platform) for i in collected.images),
        )
    elif collected.kind == "binary" and collected.binaries:
        b = collected.binaries[0]
        subject = Item(
            ref=f"bin-{_ref(b.location, b.sha256)}", kind="binary", name=name, sha256=b.sha256
        )
    else:
        subject = Item(ref=f"dir-{_ref(collected.target)}", kind="directory", name=name)
    inv = Inventory(name, subject, created)
    inv.add(subject)
    if collected.kind == "binary" and collected.binaries:
        b = collected.binaries[0]
        inv.items.clear()
        add_binary(inv, b, "")
        inv.relations = [r for r in inv.relations if r[0]]
        inv.subject = next(i for i in inv.items if i.kind == "binary")
        return inv
    for binary in collected.binaries:
        add_binary(inv, binary, subject.ref)
    for img in collected.images:
        add_files(inv, img.files, subject.ref)
    return inv
