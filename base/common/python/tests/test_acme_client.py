"""``pki.acme.ACMEClient`` over real HTTPS against the test server's ACME responder.

``freeipa_server`` has the ``/acme`` web app FreeIPA's installer deploys (modelled on Dogtag's
``base/acme``, see ``pki.testing.dogtag.acme``): ``POST /acme/login`` needs an authenticated
user and answers its ``Account``; ``/acme/enable`` and ``/acme/disable`` need role
Administrators or Enterprise ACME Administrators (401 without credentials, 403 without the
role); while disabled, ``/acme/directory`` answers 503. The clients authenticate from NSS
databases. FreeIPA's own calls (``ipa-acme-manage``) are replayed in ``test_freeipa_install``.
"""

from __future__ import annotations

import pki.acme
import pytest
import requests
from pki.client import PKIClient
from pki.testing.server import DogtagTestServer


def _client(server: DogtagTestServer, info: dict[str, str] | None = None) -> PKIClient:
    """A PKIClient trusting the server's CA, with the NSS database in ``info`` if given."""
    client = PKIClient(server.url, ca_bundle=str(server.ca_cert_path))
    if info is not None:
        client.set_client_auth(
            nssdb=info["nssdb"], nickname=info["nickname"],
            nssdb_password_file=info["password_file"],
        )
    return client


def test_acme_login_enable_disable_status_logout(freeipa_server: DogtagTestServer) -> None:
    """The CA admin (Administrators) drives the responder; ``status()`` follows it."""
    pki_client = _client(freeipa_server, freeipa_server.info)
    acme = pki.acme.ACMEClient(pki_client)
    assert (acme.name, acme.parent, acme.connection) == ("acme", pki_client,
                                                         pki_client.connection)
    account = acme.login()
    assert account["id"] == "caadmin" and "Administrators" in account["Roles"]
    acme.enable()
    assert acme.status() is True
    acme.disable()
    assert acme.status() is False
    acme.enable()
    assert acme.status() is True
    # built on a bare connection too
    assert pki.acme.ACMEClient(pki_client.connection).status() is True
    acme.logout()
    acme.disable()  # the certificate authenticates again after the logout
    assert acme.status() is False


def test_acme_errors_are_http_errors(freeipa_server: DogtagTestServer) -> None:
    anonymous = pki.acme.ACMEClient(_client(freeipa_server))
    for call in (anonymous.enable, anonymous.login):
        with pytest.raises(requests.HTTPError) as unauthenticated:
            call()
        assert unauthenticated.value.response.status_code == 401

    # a user without an ACME administrator role
    plain = freeipa_server.add_user("acme-plain-user", subsystems=("ca",))
    acme = pki.acme.ACMEClient(_client(freeipa_server, plain.nss_info))
    assert acme.login()["Roles"] == []
    before = acme.status()
    with pytest.raises(requests.HTTPError) as forbidden:
        acme.disable() if before else acme.enable()
    assert forbidden.value.response.status_code == 403
    assert acme.status() is before


def test_acme_status_raises_other_failures(dogtag_server: DogtagTestServer) -> None:
    """A CA without the ACME web app: the 404 is not a status."""
    with pytest.raises(requests.HTTPError) as missing:
        pki.acme.ACMEClient(_client(dogtag_server)).status()
    assert missing.value.response.status_code == 404
