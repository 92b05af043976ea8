"""JSON encoding of the data classes, with upstream's ``pki.encoder`` names.

Upstream serialises request bodies with ``json.dumps(obj, cls=CustomTypeEncoder)``, which
writes an object's ``__dict__`` with its attribute names turned back into JSON names
(``json_attribute_names``) for the classes registered in ``NOTYPES``; the client modules
register their classes at import (``NOTYPES['CertData'] = CertData``...). Both keep working
here. Objects that know their JSON form (``to_json()``, every ``pki.resource.JSONData``) are
written that way, which also leaves out ``None`` values and local-only fields.
"""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["TYPES", "NOTYPES", "encode_cert", "decode_cert", "CustomTypeEncoder",
           "CustomTypeDecoder"]

#: classes written as ``{"TypeName": {...}}`` (and read back by ``CustomTypeDecoder``)
TYPES: dict[str, type] = {}
#: classes written as their attributes under their JSON names
NOTYPES: dict[str, type] = {}


def _ascii(data: str | bytes) -> bytes:
    return data.encode("ascii") if isinstance(data, str) else bytes(data)


def encode_cert(data: str | bytes) -> bytes:
    """Base64 of a DER certificate (bytes or ASCII text in, bytes out)."""
    return base64.b64encode(_ascii(data))


def decode_cert(data: str | bytes) -> bytes:
    """The DER bytes of a base64 certificate (bytes or ASCII text)."""
    return base64.b64decode(_ascii(data))


class CustomTypeEncoder(json.JSONEncoder):
    """A JSONEncoder for the package's data objects (see the module documentation)."""

    def default(self, o: Any) -> Any:
        to_json = getattr(o, "to_json", None)
        if callable(to_json):
            return to_json()
        for name, cls in TYPES.items():
            if isinstance(o, cls):
                return {name: o.__dict__}
        for cls in NOTYPES.values():
            if isinstance(o, cls):
                return self.attr_name_conversion(o.__dict__, type(o))
        return json.JSONEncoder.default(self, o)

    @staticmethod
    def attr_name_conversion(attr_dict: dict[str, Any], object_class: type) -> dict[str, Any]:
        """``attr_dict`` with attribute names replaced by the class's JSON names."""
        names = getattr(object_class, "json_attribute_names", None)
        if not names:
            return attr_dict
        reverse = {attr: key for key, attr in names.items()}
        return {reverse.get(k, k): v for k, v in attr_dict.items()}


def CustomTypeDecoder(dct: dict[str, Any]) -> Any:  # noqa: N802 - upstream's name
    """``object_hook`` for ``json.loads``: ``{"TypeName": {...}}`` of a ``TYPES`` class back
    into that class (through its ``from_dict``); other objects stay dicts."""
    if len(dct) == 1:
        type_name, value = next(iter(dct.items()))
        if type_name in TYPES:
            return TYPES[type_name].from_dict(value)  # type: ignore[attr-defined]
    return dct
