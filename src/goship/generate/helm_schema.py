"""values.schema.json for the generated chart, built as data (JSON cannot carry comments,
so the generated-by header is its ``$comment``). ``helm lint`` and ``helm install`` check
every values override against it."""

from __future__ import annotations

import json
from typing import Any

_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_OBJ = {"type": "object"}
_ARR = {"type": "array"}
_PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
_STRMAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def values_schema(header: str) -> dict[str, Any]:
    probe = _obj(
        {
            "httpGet": _OBJ,
            "tcpSocket": _OBJ,
            "grpc": _OBJ,
            "exec": _OBJ,
            "initialDelaySeconds": _INT,
            "periodSeconds": _INT,
            "timeoutSeconds": _INT,
            "failureThreshold": _INT,
            "successThreshold": _INT,
        }
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": header,
        "title": "values",
        "type": "object",
        "required": ["image", "containerPort", "service", "securityContext"],
        "properties": {
            "replicaCount": {"type": "integer", "minimum": 0},
            "image": _obj(
                {
                    "repository": {"type": "string", "minLength": 1},
                    "digest": {"type": "string", "pattern": "^$|^sha256:[a-f0-9]{64}$"},
                    "tag": _STR,
                    "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
                },
                ["repository"],
            ),
            "imagePullSecrets": _ARR,
            "nameOverride": _STR,
            "fullnameOverride": _STR,
            "serviceAccount": _obj(
                {"create": _BOOL, "automount": _BOOL, "annotations": _STRMAP, "name": _STR}
            ),
            "podAnnotations": _STRMAP,
            "podLabels": _STRMAP,
            "podSecurityContext": _OBJ,
            "securityContext": _obj(
                {
                    "runAsNonRoot": _BOOL,
                    "runAsUser": {"type": "integer", "minimum": 1},
                    "runAsGroup": _INT,
                    "allowPrivilegeEscalation": {"const": False},
                    "readOnlyRootFilesystem": _BOOL,
                    "capabilities": _OBJ,
                    "seccompProfile": _OBJ,
                }
            ),
            "containerPort": _PORT,
            "service": _obj(
                {
                    "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
                    "port": _PORT,
                },
                ["type", "port"],
            ),
            "livenessProbe": probe,
            "readinessProbe": probe,
            "startupProbe": probe,
            "terminationGracePeriodSeconds": {"type": "integer", "minimum": 0},
            "env": {
                "type": "array",
                "items": _obj({"name": _STR, "value": _STR, "valueFrom": _OBJ}, ["name"]),
            },
            "secretEnv": _STRMAP,
            "existingSecret": _STR,
            "resources": _OBJ,
            "metrics": _obj({"enabled": _BOOL, "path": _STR}),
            "ingress": _obj(
                {
                    "enabled": _BOOL,
                    "className": _STR,
                    "annotations": _STRMAP,
                    "hosts": {
                        "type": "array",
                        "items": _obj({"host": _STR, "paths": _ARR}, ["host"]),
                    },
                    "tls": _ARR,
                }
            ),
            "autoscaling": _obj(
                {
                    "enabled": _BOOL,
                    "minReplicas": {"type": "integer", "minimum": 1},
                    "maxReplicas": {"type": "integer", "minimum": 1},
                    "targetCPUUtilizationPercentage": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 100,
                    },
                }
            ),
            "podDisruptionBudget": _obj(
                {"enabled": _BOOL, "minAvailable": {"type": ["integer", "string"]}}
            ),
            "tests": _obj({"image": _STR}),
            "nodeSelector": _STRMAP,
            "tolerations": _ARR,
            "affinity": _OBJ,
        },
    }


def values_schema_json(header: str) -> str:
    return json.dumps(values_schema(header), indent=2) + "\n"
