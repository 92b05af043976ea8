"""Features (``/ca/<api>/config/features``) and the legacy ``/<sub>/admin/<sub>/getStatus``.

Features exist on the CA only (the KRA registers no feature resource), are anonymous, and
come from ``CS.cfg``'s ``features.*``: the one shipped is ``authority`` (Lightweight CAs,
1.0, enabled). A list is a bare JSON array; an unknown feature is a 404
"Feature <id> not supported".

``getStatus`` is an old-style servlet outside ``rest``/``v1``/``v2`` that needs no
authentication and answers the 11.x JSON ``{"Response": {"State", "Type", "Status",
"Version"}}`` (``State`` 1 = configured and running; no ``ProductVersion``, as without a
product name file).
"""

from __future__ import annotations

from typing import Any

from pki.testing.dogtag.errors import not_found
from pki.testing.dogtag.http import Request, Response, Route, json_response, legacy_route, route

FEATURES = {"authority": {"description": "Lightweight CAs", "version": "1.0", "enabled": True}}


def _feature(feature_id: str) -> dict[str, Any]:
    spec = FEATURES[feature_id]
    return {
        "id": feature_id,
        "description": spec["description"],
        "enabled": spec["enabled"],
        "version": spec["version"],
    }


class FeatureResources:
    """``config/features[/{id}]`` of the CA."""

    def list_all(self, req: Request) -> Response:
        return json_response([_feature(f) for f in FEATURES])

    def get(self, req: Request, feature_id: str) -> dict[str, Any]:
        if feature_id not in FEATURES:
            raise not_found(f"Feature {feature_id} not supported")
        return _feature(feature_id)

    def routes(self) -> list[Route]:
        return [
            route("GET", r"config/features", self.list_all),
            route("GET", r"config/features/(?P<feature_id>[^/]+)", self.get),
        ]


class StatusResource:
    """``/<sub>/admin/<sub>/getStatus``."""

    def __init__(self, subsystem: str, version: str) -> None:
        self.subsystem = subsystem
        self.version = version

    def status(self, req: Request) -> dict[str, Any]:
        return {
            "Response": {
                "State": "1",
                "Type": self.subsystem.upper(),
                "Status": "running",
                "Version": self.version,
            }
        }

    def routes(self) -> list[Route]:
        path = f"admin/{self.subsystem}/getStatus"
        return [legacy_route("GET", path, self.status), legacy_route("POST", path, self.status)]
