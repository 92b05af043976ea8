"""Server information: ``/pki/v2/info`` (11.6 and later) or ``/pki/rest/info``.

``InfoClient`` asks a Dogtag server for its name, version and banner. ``Version`` is
upstream's tuple version (``pki.info.Version``), defined in ``pki.resource``; the release
version ``PKIClient.get_server_version()`` returns is ``pki.util.Version``.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
from pki.resource import JSONData, ResourceClient, Version, data, json_field

__all__ = ["Info", "InfoClient", "Version"]

logger = logging.getLogger(__name__)

_API_PATHS = ("v2", "rest")


@data
class Info(JSONData):
    """What ``/pki/<api>/info`` reports: ``version``, ``banner``; other fields (``Name``) are
    kept under their JSON names."""

    version: str | None = json_field("Version", show=True)
    banner: str | None = json_field("Banner")


class InfoClient(ResourceClient):
    """Reads the server's ``Info``.

    ``parent`` is a ``PKIClient`` or a ``PKIConnection``. A PKIClient whose ``api_path`` is
    set (by ``connect()``, ``api_version`` or by hand, as FreeIPA's ``support_v2`` does) is
    asked on that path only; otherwise ``v2`` is tried first and ``rest`` after a 404.
    ``api_path`` tells which path answered the last ``get_info()``. This client never calls
    ``get_api_path()``: that is what calls it.
    """

    def __init__(self, parent: Any) -> None:
        super().__init__(parent, "pki")
        #: the API path that answered the last get_info() (``v2`` or ``rest``)
        self.api_path: str | None = None

    def _api_paths(self) -> list[str]:
        fixed = self.pki_client.api_path if self.pki_client is not None else None
        if fixed:
            return ["rest" if fixed == "v1" else str(fixed)]
        return list(_API_PATHS)

    @pki.handle_exceptions()
    def get_info(self) -> Info:
        """The server's ``Info``; the first API path that does not answer 404 wins."""
        import requests  # pki.client, which built this client's connection, has it loaded

        paths = self._api_paths()
        for api_path in paths:
            try:
                info = self._get_json("info", api_path=api_path, decode=Info.from_json)
            except requests.exceptions.HTTPError as exc:
                if getattr(exc.response, "status_code", None) != 404:
                    raise
                logger.debug("No server info at /pki/%s/info", api_path)
                continue
            self.api_path = api_path
            return info
        tried = ", ".join(f"/pki/{p}/info" for p in paths)
        raise pki.PKIException(f"Unable to get PKI server info: {tried} not found", code=404)

    @pki.handle_exceptions()
    def get_version(self) -> Version:
        """The server's version as a ``Version`` tuple."""
        version = self.get_info().version
        if not version:
            raise pki.PKIException("The server did not report its version")
        return Version(version)
