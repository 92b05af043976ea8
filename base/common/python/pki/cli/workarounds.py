"""Calls the Java CLI makes that the Python client library does not offer (yet).

The Java clients behind some commands take more than upstream's Python clients, which this
package's library follows: search filters for profiles and authorities, an authority
without a description, the security domain's host list, one host and adding a host. Each
function here makes that one call through the resource client's own request plumbing (path,
API version, session), so that the commands behave as the Java CLI; each goes away once the
library's client has the call.
"""

from __future__ import annotations

from typing import Any

from pki.authority import AuthorityClient, AuthorityData, AuthorityDataCollection
from pki.profile import ProfileClient, ProfileDataInfoCollection
from pki.resource import path_id, response_json
from pki.system import SecurityDomainClient, SecurityDomainHost

__all__ = ["create_ca", "find_cas", "find_profiles", "add_host", "get_host", "list_hosts"]


def find_profiles(profiles: ProfileClient, **params: Any) -> ProfileDataInfoCollection:
    """``list_profiles`` with Java's ``visible``, ``enable`` and ``enableBy`` filters."""
    response = profiles._in_session("GET", "profiles", params=params)
    return ProfileDataInfoCollection.from_json(response_json(response) or {})


def find_cas(authorities: AuthorityClient, **params: Any) -> AuthorityDataCollection:
    """``list_cas`` with Java's ``id``, ``parentID``, ``dn`` and ``issuerDN`` filters."""
    return AuthorityDataCollection.from_json(authorities._get_json("authorities", params))


def create_ca(authorities: AuthorityClient, ca_data: AuthorityData) -> AuthorityData:
    """``create_ca`` that, as Java's, lets the description be left out."""
    if ca_data.description is not None:
        return authorities.create_ca(ca_data)
    return AuthorityData.from_json(authorities._send_json("POST", "authorities", ca_data))


def list_hosts(domain: SecurityDomainClient) -> list[SecurityDomainHost]:
    """The security domain's hosts (Java's ``SecurityDomainClient.getHosts``)."""
    body = domain._get_json("securityDomain/hosts")
    return [SecurityDomainHost.from_json(host) for host in body or []]


def get_host(domain: SecurityDomainClient, host_id: str) -> SecurityDomainHost:
    """One host of the security domain (Java's ``getHost``)."""
    path = "securityDomain/hosts/" + path_id(host_id, "Host ID")
    return SecurityDomainHost.from_json(domain._get_json(path))


def add_host(domain: SecurityDomainClient, host: dict[str, Any]) -> None:
    """Add a host to the security domain (Java's ``addHost``: ``PUT .../hosts``)."""
    domain._request("PUT", "securityDomain/hosts", host)
