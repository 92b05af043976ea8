"""Features a CA advertises (``/ca/<api>/config/features``, anonymous).

Dogtag ships one, ``authority`` (lightweight CAs). Only the CA serves this resource.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.client
import pki.encoder
from pki.resource import DataCollection, JSONData, ResourceClient, as_bool, data, json_field

__all__ = ["Feature", "FeatureCollection", "FeatureClient"]

logger = logging.getLogger(__name__)


@data
class Feature(JSONData):
    """A feature: ``feature_id``, ``version``, ``description``, ``enabled`` (as upstream,
    ``enabled`` may be given as ``"True"``/``"False"``)."""

    feature_id: str | None = json_field("id", show=True)
    version: str | None = json_field("version", show=True)
    description: str | None = json_field("description", show=True)
    enabled: Any = json_field("enabled", default="False", show=True, convert=as_bool)


class FeatureCollection(DataCollection[Feature]):
    """The features (``feature_list``); the server sends a bare JSON array."""

    item_type = Feature
    items_attr = "feature_list"
    bare_array = True
    feature_list: list[Feature]


class FeatureClient(ResourceClient):
    """The CA's features. ``parent`` is a subsystem client, a ``PKIClient`` or a
    ``PKIConnection``."""

    default_subsystem = "ca"

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)

    @pki.handle_exceptions()
    def get_feature(self, feature_id: str) -> Feature:
        """One feature; 404 ``ResourceNotFoundException`` for an unknown one."""
        if feature_id is None:
            raise ValueError("Feature ID must be specified")
        return self._get_json(f"config/features/{feature_id}", decode=Feature.from_json)

    @pki.handle_exceptions()
    def list_features(self) -> FeatureCollection:
        """Every feature."""
        return self._get_json("config/features", decode=FeatureCollection.from_json)


pki.encoder.NOTYPES["Feature"] = Feature
