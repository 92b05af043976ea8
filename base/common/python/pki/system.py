"""System-level clients: the security domain, a subsystem's status, the installer servlet.

- ``SecurityDomainClient``: the domain's hosts (``/ca/<api>/securityDomain/...``): domain
  info (anonymous), install tokens, removing a host.
- ``SystemStatusClient``: the legacy ``/<sub>/admin/<sub>/getStatus`` servlet that says
  whether a subsystem is running (outside the REST API, no authentication).
- ``SystemConfigClient``: the installer calls ``pkispawn`` makes.

As upstream, the security-domain, status and installer calls are not wrapped by
``pki.handle_exceptions``: an HTTP failure raises ``requests.exceptions.HTTPError``.
"""

from __future__ import annotations

import logging
import os
import xml.etree.ElementTree as ETree
from typing import Any

import pki
import pki.client
import pki.encoder
from pki.resource import (
    ResourceClient,
    as_list,
    expect_object,
    path_id,
    resolve_parent,
    wrong_shape,
)

__all__ = [
    "SYSTEM_TYPE",
    "SecurityDomainHost",
    "SecurityDomainSubsystem",
    "DomainInfo",
    "InstallToken",
    "SecurityDomainClient",
    "CertificateSetupRequest",
    "CertificateSetupResponse",
    "AdminSetupRequest",
    "AdminSetupResponse",
    "SystemCertData",
    "SystemConfigClient",
    "SystemStatusClient",
]

logger = logging.getLogger(__name__)

SYSTEM_TYPE = "debian" if os.path.exists("/etc/debian_version") else "Fedora/RHEL"

# SecurityDomainHost's attributes are the JSON names themselves (upstream's choice).
_HOST_FIELDS = (
    "SecureAdminPort", "SecureAgentPort", "Clone", "DomainManager", "SecureEEClientAuthPort",
    "Hostname", "SecurePort", "SubsystemName", "Port",
)


class SecurityDomainHost:
    """A host of the security domain; ``id`` is ``"<TYPE> <hostname> <secure port>"``."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.Clone: Any = False
        self.DomainManager: Any = False
        self.Hostname: str | None = None
        self.Port: str | None = None
        self.SecureAdminPort: str | None = None
        self.SecureAgentPort: str | None = None
        self.SecureEEClientAuthPort: str | None = None
        self.SecurePort: str | None = None
        self.SubsystemName: str | None = None

    def __repr__(self) -> str:
        return f"SecurityDomainHost({self.id!r})"

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> SecurityDomainHost:
        """A host from 10.2+ JSON (``id``) or 10.1 JSON (``@id``)."""
        host = cls()
        json_value = expect_object(json_value, cls.__name__)
        host.id = json_value.get("id", json_value.get("@id"))
        for name in _HOST_FIELDS:
            if name in json_value:
                setattr(host, name, json_value[name])
        return host

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


class SecurityDomainSubsystem:
    """The hosts of one subsystem type (``CA``, ``KRA``...): ``hosts`` maps host IDs to
    ``SecurityDomainHost``."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.hosts: dict[str, SecurityDomainHost] = {}

    def __repr__(self) -> str:
        return f"SecurityDomainSubsystem({self.id!r}, hosts={sorted(self.hosts)})"

    def get_host(self, hostname: str, secure_port: str) -> SecurityDomainHost:
        """The host with that name and secure port; raises PKIException if none is."""
        for host in self.hosts.values():
            if host.Hostname == hostname and str(host.SecurePort) == str(secure_port):
                return host
        raise pki.PKIException(
            f"Unable to find security domain host: {hostname}:{secure_port}"
        )

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> SecurityDomainSubsystem:
        """10.8+ (``hosts`` map), 10.2 (``id`` + ``Host`` list) or 10.1 (``@id``) JSON."""
        subsystem = cls()
        json_value = expect_object(json_value, cls.__name__)
        subsystem.id = json_value.get("id", json_value.get("@id"))
        subsystem.hosts = _by_id(json_value, "hosts", "Host", SecurityDomainHost)
        return subsystem


class DomainInfo:
    """The security domain: its name (``id``) and ``subsystems`` by type (``CA``...)."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.subsystems: dict[str, SecurityDomainSubsystem] = {}

    def __repr__(self) -> str:
        return f"DomainInfo({self.id!r}, subsystems={sorted(self.subsystems)})"

    @property
    def systems(self) -> dict[str, SecurityDomainSubsystem]:
        """Deprecated name of ``subsystems``."""
        logger.warning("DomainInfo.systems is deprecated: use DomainInfo.subsystems")
        return self.subsystems

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> DomainInfo:
        """10.8+ (``id`` + ``subsystems`` map), 10.2 (``Subsystem`` list) or 10.1
        (``DomainInfo`` wrapper with ``@id``) JSON."""
        json_value = expect_object(json_value, cls.__name__)
        if "DomainInfo" in json_value:
            json_value = expect_object(json_value["DomainInfo"], cls.__name__)
        info = cls()
        info.id = json_value.get("id", json_value.get("@id"))
        info.subsystems = _by_id(json_value, "subsystems", "Subsystem", SecurityDomainSubsystem)
        return info


def _by_id(json_value: dict[str, Any], map_key: str, list_key: str, cls: Any) -> dict[str, Any]:
    """``cls`` objects by ID: from the 10.8+ map under ``map_key``, else from the 10.1/10.2
    list (or single object) under ``list_key``, keyed by each object's ``id``."""
    mapped = json_value.get(map_key)
    if isinstance(mapped, dict):
        return {key: cls.from_json(value) for key, value in mapped.items()}
    objects = (cls.from_json(item) for item in as_list(json_value.get(list_key)))
    return {str(obj.id): obj for obj in objects}


def _hosts(json_value: Any) -> list[SecurityDomainHost]:
    """The hosts of ``GET securityDomain/hosts``: a JSON array of them."""
    if not isinstance(json_value, list):
        raise wrong_shape("the security domain's hosts", "a JSON array of hosts", json_value)
    return [SecurityDomainHost.from_json(host) for host in json_value]


class InstallToken:
    """A security-domain install token (``token``)."""

    def __init__(self) -> None:
        self.token: str | None = None

    def __repr__(self) -> str:
        return "InstallToken(token=...)"  # a credential: never shown

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> InstallToken:
        if not expect_object(json_value, cls.__name__).get("token"):
            raise pki.PKIException("The server's answer holds no install token")
        install_token = cls()
        install_token.token = json_value["token"]
        return install_token


class SecurityDomainClient(ResourceClient):
    """The security domain of a CA (``/ca/<api>/securityDomain``).

    ``parent`` is a subsystem client (``SubsystemClient(pki_client, 'ca')``), a ``PKIClient``
    or a ``PKIConnection``.
    """

    default_subsystem = "ca"

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)

    def get_security_domain_info(self) -> DomainInfo:
        """Deprecated name of ``get_domain_info``."""
        logger.warning("get_security_domain_info() is deprecated: use get_domain_info()")
        return self.get_domain_info()

    def get_domain_info(self) -> DomainInfo:
        """The domain and its hosts (anonymous)."""
        accept = {"Accept": "application/json"}
        return self._get_json(
            "securityDomain/domainInfo", headers=accept, decode=DomainInfo.from_json
        )

    def get_old_domain_info(self) -> DomainInfo:
        """The domain's name from the legacy servlet (``/ca/admin/ca/getDomainXML``), for
        servers without the REST API."""
        path = ("" if self.connection.subsystem else "/ca") + "/admin/ca/getDomainXML"
        response = self.connection.get(path)
        root = ETree.fromstring(response.text)
        inner = root.find("DomainInfo")
        if inner is None or inner.text is None:
            raise pki.PKIException("The server's getDomainXML answer has no DomainInfo")
        domain = ETree.fromstring(inner.text)
        info = DomainInfo()
        info.id = domain.findtext("Name")
        return info

    def get_install_token(self, hostname: str, subsystem: str) -> InstallToken:
        """An install token for ``hostname`` to join as ``subsystem`` (``CA``, ``KRA``...);
        the caller must be an Enterprise <subsystem> Administrator."""
        params = {"hostname": hostname, "subsystem": subsystem}
        return self._get_json(
            "securityDomain/installToken", params, headers={}, decode=InstallToken.from_json
        )

    def get_hosts(self) -> list[SecurityDomainHost]:
        """The domain's hosts (anonymous; the Java client's ``getHosts``)."""
        return self._get_json("securityDomain/hosts", decode=_hosts)

    def get_host(self, host_id: str) -> SecurityDomainHost:
        """One host, by its ID ``"<TYPE> <hostname> <secure port>"`` (Java's ``getHost``)."""
        path = "securityDomain/hosts/" + path_id(host_id, "Host ID")
        return self._get_json(path, decode=SecurityDomainHost.from_json)

    def add_host(self, host: SecurityDomainHost | dict[str, Any]) -> None:
        """Add (or replace) a host (Java's ``addHost``: ``PUT .../hosts``); needs a
        Subsystem Group member or an Enterprise administrator."""
        self._request("PUT", "securityDomain/hosts", host)

    def remove_host(self, hostname: str, subsystem: str, port: Any) -> None:
        """Remove the host ``"<subsystem> <hostname> <port>"`` from the domain (204 also
        when it is already gone)."""
        self._request(
            "DELETE", f"securityDomain/hosts/{subsystem}%20{hostname}%20{port}", headers={}
        )


class CertificateSetupRequest:
    """What the installer servlet's certificate calls take."""

    def __init__(self) -> None:
        self.installToken: Any = None
        self.clone = "false"
        self.systemCert: Any = None


class CertificateSetupResponse:
    """What the installer servlet's certificate calls return."""


class AdminSetupRequest:
    """What the installer servlet's admin call takes."""

    def __init__(self) -> None:
        self.installToken: Any = None


class AdminSetupResponse:
    """What the installer servlet's admin call returns."""


class SystemCertData:
    """A system certificate as the installer servlet exchanges it (Java ``SystemCertData``)."""

    def __init__(self) -> None:
        self.token: str | None = None
        self.keyID: str | None = None
        self.keyType: str | None = None
        self.keySize: Any = None
        self.keyWrap = False
        self.keyCurveName: str | None = None
        self.sslECDH = False


class SystemConfigClient(ResourceClient):
    """The installer servlet of a subsystem being configured by ``pkispawn``
    (``/<sub>/<api>/installer/...``)."""

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        super().__init__(parent, subsystem)

    def createRequestID(self, request: CertificateSetupRequest) -> Any:  # noqa: N802
        """Create a certificate request ID; returns the server's JSON (``SystemCertData``)."""
        return self._send_json("POST", "installer/createRequestID", request)

    def createCertID(self, request: CertificateSetupRequest) -> Any:  # noqa: N802
        """Create a certificate ID; returns the server's JSON (``SystemCertData``)."""
        return self._send_json("POST", "installer/createCertID", request)


class SystemStatusClient:
    """Whether a subsystem runs: the legacy ``getStatus`` servlet (no authentication).

    ``connection`` is a ``PKIConnection`` (a ``PKIClient`` or subsystem client works too).
    The URL is ``/admin/<sub>/getStatus`` on a connection with the deprecated subsystem, else
    ``/<subsystem>/admin/<subsystem>/getStatus``. 11.x answers JSON
    ``{"Response": {"State", "Type", "Status", "Version"...}}``, 10.x XML.
    """

    def __init__(self, connection: Any, subsystem: str | None = None) -> None:
        self.connection: pki.client.PKIConnection = resolve_parent(connection)[2]
        if self.connection.subsystem is not None:
            self.get_status_url = f"/admin/{self.connection.subsystem}/getStatus"
        elif subsystem is not None:
            self.get_status_url = f"/{subsystem}/admin/{subsystem}/getStatus"
        else:
            raise pki.PKIException("Missing subsystem for SystemStatusClient: pass subsystem='ca'")

    def get_status(self, timeout: float | None = None) -> str:
        """The servlet's answer as text (JSON on 11.x, XML on 10.x)."""
        return self.connection.get(self.get_status_url, timeout=timeout).text


pki.encoder.NOTYPES.update(
    {
        cls.__name__: cls
        for cls in (
            DomainInfo, SecurityDomainSubsystem, SecurityDomainHost, InstallToken,
            CertificateSetupRequest, CertificateSetupResponse, AdminSetupRequest,
            AdminSetupResponse, SystemCertData,
        )
    }
)
