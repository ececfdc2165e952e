"""SPDX 2.3 JSON from an :class:`Inventory`, with spdx-tools.

Every item is a package (binaries, modules, the stdlib, the image) or, for image files, a
package of purpose FILE with ``filesAnalyzed: false``; relations are SPDX relationships, and
the document DESCRIBES the subject. Purls are ``PACKAGE-MANAGER``/``purl`` external refs.
Licenses are NOASSERTION: goship does not read module licenses.
"""

from __future__ import annotations

import io
import uuid

from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from goship import __version__
from goship.errors import GoshipError
from goship.sbom.inventory import Inventory, Item

MEDIA_TYPE = "application/spdx+json"
_PURPOSE = {
    "image": PackagePurpose.CONTAINER,
    "binary": PackagePurpose.APPLICATION,
    "module": PackagePurpose.LIBRARY,
    "stdlib": PackagePurpose.LIBRARY,
    "file": PackagePurpose.FILE,
    "directory": PackagePurpose.SOURCE,
}
_REL = {"CONTAINS": RelationshipType.CONTAINS, "DEPENDS_ON": RelationshipType.DEPENDS_ON}


def _spdx_id(item: Item) -> str:
    return f"SPDXRef-{item.kind}-{item.ref}"


def _package(item: Item) -> Package:
    comment_parts = [f"{k}={v}" for k, v in item.properties if v]
    refs = []
    if item.purl:
        refs.append(
            ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", item.purl)
        )
    return Package(
        spdx_id=_spdx_id(item),
        name=item.name,
        download_location=SpdxNoAssertion(),
        version=item.version or None,
        files_analyzed=False,
        checksums=[Checksum(ChecksumAlgorithm.SHA256, item.sha256)] if item.sha256 else [],
        license_concluded=SpdxNoAssertion(),
        license_declared=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        description=item.description or None,
        comment="; ".join(comment_parts) or None,
        external_references=refs,
        primary_package_purpose=_PURPOSE[item.kind],
    )


def _document(inv: Inventory) -> Document:
    digest = uuid.uuid5(
        uuid.NAMESPACE_URL,
        "goship-spdx:" + "|".join(sorted(f"{i.ref}:{i.sha256}:{i.version}" for i in inv.items)),
    )
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"goship-sbom-{inv.name}",
        document_namespace=f"https://spdx.org/spdxdocs/goship/{inv.name}-{digest}",
        creators=[Actor(ActorType.TOOL, f"goship-{__version__}")],
        created=inv.created.replace(microsecond=0, tzinfo=None),
        data_license="CC0-1.0",
    )
    packages = [_package(i) for i in inv.items]
    ids = {i.ref: _spdx_id(i) for i in inv.items}
    relationships = [
        Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, ids[inv.subject.ref])
    ]
    for source, kind, target in inv.relations:
        if source in ids and target in ids:
            relationships.append(Relationship(ids[source], _REL[kind], ids[target]))
    return Document(creation_info=info, packages=packages, relationships=relationships)


def to_spdx(inv: Inventory, validate: bool = False) -> str:
    """The SPDX 2.3 JSON text; ``validate`` runs spdx-tools' full document validation."""
    doc = _document(inv)
    problems = validate_full_spdx_document(doc) if validate else []
    if problems:  # a goship bug, not a user error
        first = "; ".join(p.validation_message for p in problems[:3])
        raise GoshipError(f"generated SPDX does not validate: {first}")
    out = io.StringIO()
    write_document_to_stream(doc, out, validate=False)
    return out.getvalue().rstrip("\n") + "\n"
