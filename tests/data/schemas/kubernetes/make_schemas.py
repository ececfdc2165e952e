"""Regenerate the vendored Kubernetes JSON schemas kubeconform uses in goship's tests.

The schemas are derived, the way openapi2jsonschema does it for kubeconform's
"standalone-strict" flavour, from the Kubernetes OpenAPI v2 document that the
``k8s.io/cli-runtime`` Go module ships (``artifacts/openapi/swagger.json``; module
``k8s.io/cli-runtime@v0.37.0``, which ``go install`` of helm already puts in the module cache):

* one file per kind, named ``<kind>[-<group head>]-<version>.json`` (kubeconform's
  ``{{ .ResourceKind }}{{ .KindSuffix }}``), with every ``$ref`` inlined (standalone);
* ``additionalProperties: false`` on every object that lists properties (strict);
* ``int-or-string`` fields accept both; optional fields also accept ``null``;
* ``apiVersion``/``kind`` limited to the kind's own values; descriptions dropped.

Run: ``python tests/data/schemas/kubernetes/make_schemas.py [path/to/swagger.json]``.
Only the kinds goship's Helm chart emits are written (KINDS below).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

KINDS = [
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.ServiceAccount",
    "io.k8s.api.core.v1.Secret",
    "io.k8s.api.core.v1.Pod",
    "io.k8s.api.networking.v1.Ingress",
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    "io.k8s.api.policy.v1.PodDisruptionBudget",
]
MODULE = "k8s.io/cli-runtime@v0.37.0"
OUT = Path(__file__).resolve().parent


def default_swagger() -> Path:
    out = subprocess.run(
        ["go", "mod", "download", "-json", MODULE], capture_output=True, text=True, check=True
    ).stdout
    return Path(json.loads(out)["Dir"]) / "artifacts" / "openapi" / "swagger.json"


def expand(node: Any, defs: dict[str, Any], stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [expand(x, defs, stack) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in stack:
            raise SystemExit(f"recursive definition {name}; not supported")
        return expand(copy.deepcopy(defs[name]), defs, (*stack, name))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in {"description", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key"}:
            continue
        if key == "properties":
            out[key] = {k: expand(v, defs, stack) for k, v in value.items()}
        else:
            out[key] = expand(value, defs, stack)
    if out.get("format") == "int-or-string":
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if "properties" in out:
        out.setdefault("additionalProperties", False)
        required = set(out.get("required", []))
        for pname, prop in out["properties"].items():
            if pname in required or not isinstance(prop, dict):
                continue
            t = prop.get("type")
            if isinstance(t, str):
                prop["type"] = [t, "null"]
    return out


def file_name(gvk: dict[str, str]) -> str:
    group = gvk["group"].split(".")[0]
    suffix = f"-{group}-{gvk['version']}" if group else f"-{gvk['version']}"
    return f"{gvk['kind'].lower()}{suffix}.json"


def main() -> None:
    swagger = Path(sys.argv[1]) if len(sys.argv) > 1 else default_swagger()
    defs = json.loads(swagger.read_text())["definitions"]
    for name in KINDS:
        schema = expand(copy.deepcopy(defs[name]), defs, (name,))
        gvk = defs[name]["x-kubernetes-group-version-kind"][0]
        api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
        schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
        schema["properties"]["kind"] = {"type": "string", "enum": [gvk["kind"]]}
        schema["$schema"] = "http://json-schema.org/schema#"
        target = OUT / file_name(gvk)
        target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
