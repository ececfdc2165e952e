"""CycloneDX 1.6 JSON from an :class:`Inventory`, with cyclonedx-python-lib.

The subject (image or binary) is ``metadata.component``; everything else is a component with
a ``bom-ref``; CONTAINS/DEPENDS_ON relations become the ``dependencies`` graph. The serial
number is derived from the content (UUID5), so the same input gives the same document.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from goship import __version__
from goship.errors import EnvironmentMissingError, GoshipError
from goship.sbom.inventory import Inventory, Item

MEDIA_TYPE = "application/vnd.cyclonedx+json"
_TYPES = {
    "image": ComponentType.CONTAINER,
    "binary": ComponentType.APPLICATION,
    "module": ComponentType.LIBRARY,
    "stdlib": ComponentType.LIBRARY,
    "file": ComponentType.FILE,
    "directory": ComponentType.APPLICATION,
}


def _component(item: Item) -> Component:
    hashes = [HashType(alg=HashAlgorithm.SHA_256, content=item.sha256)] if item.sha256 else []
    return Component(
        name=item.name,
        type=_TYPES[item.kind],
        bom_ref=item.ref,
        version=item.version or None,
        purl=PackageURL.from_string(item.purl) if item.purl else None,
        hashes=hashes,
        description=item.description or None,
        properties=[Property(name=k, value=v) for k, v in item.properties if v],
    )


def _bom(inv: Inventory) -> Bom:
    components = {i.ref: _component(i) for i in inv.items}
    subject = components.pop(inv.subject.ref)
    serial = uuid.uuid5(
        uuid.NAMESPACE_URL,
        "goship-sbom:" + "|".join(sorted(f"{i.ref}:{i.sha256}:{i.version}" for i in inv.items)),
    )
    tools = ToolRepository(
        components=[
            Component(
                name="goship",
                type=ComponentType.APPLICATION,
                version=__version__,
                supplier=OrganizationalEntity(name="goship"),
            )
        ]
    )
    bom = Bom(
        serial_number=serial,
        metadata=BomMetaData(component=subject, timestamp=inv.created, tools=tools),
        components=list(components.values()),
    )
    edges: dict[str, list[str]] = defaultdict(list)
    for source, _kind, target in inv.relations:
        edges[source].append(target)
    by_ref = {str(c.bom_ref.value): c for c in [subject, *components.values()]}
    for ref, comp in by_ref.items():
        deps = [Dependency(ref=by_ref[t].bom_ref) for t in edges.get(ref, []) if t in by_ref]
        bom.dependencies.add(Dependency(ref=comp.bom_ref, dependencies=deps))
    return bom


def to_cyclonedx(inv: Inventory, validate: bool = False) -> str:
    """The CycloneDX 1.6 JSON text; ``validate`` checks it against the 1.6 schema (strict)."""
    text = JsonV1Dot6(_bom(inv)).output_as_string(indent=2)
    if validate:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator

        try:
            error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
        except ImportError as exc:
            raise EnvironmentMissingError(
                "CycloneDX validation needs the json-validation extra",
                "pip install 'cyclonedx-python-lib[json-validation]'",
            ) from exc
        if error is not None:  # a goship bug, not a user error
            raise GoshipError(f"generated CycloneDX does not validate: {error}")
    return json.dumps(json.loads(text), indent=2) + "\n"
