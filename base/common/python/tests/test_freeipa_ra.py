"""FreeIPA master's RA backend, call for call, against the test server.

FreeIPA's ``ipaserver/plugins/dogtag.py`` (backends ``ra``, ``kra``, ``ra_certprofile``,
``ra_lightweight_ca``, ``ra_securitydomain`` and their ``APIClient`` base) and
``ipaserver/plugins/vault.py`` drive Dogtag through this package (and so do a few installer
calls, ``ipaserver/install/dogtaginstance.py`` and ``certs.py``, and
``ipa-pki-wait-running``). The classes below are a
small emulation of each backend method, written for these tests: the same ``pki`` calls in the
same order, with the same arguments, reading the same attributes and handling the same
exceptions (FreeIPA's ``ipalib.errors`` classes are stood in for by the few defined here).
FreeIPA's code is not copied; see the FreeIPA sources for the originals.

The module runs twice against ``freeipa_server`` (a test server with FreeIPA's ACL grants):
once with the RA agent's PEM files, as FreeIPA does (``set_client_auth(client_cert=...,
client_key=...)``), once with the same certificate in an NSS database
(``set_client_auth(nssdb=..., nickname=..., nssdb_password_file=...)``). Every request the
backends send is recorded, and every one must go to ``/v2/``. A non-agent, with the same kind
of credentials, makes the same calls and is refused with upstream's exceptions.

The vault tests do what FreeIPA's client does around the server: make a session key, wrap it
with the KRA transport certificate from ``vaultconfig-show`` (PKCS#1 v1.5), encrypt the vault
data with it (AES-128-CBC or DES-EDE3-CBC, IV = the nonce), and decrypt what comes back.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pki
import pki.account
import pki.authority
import pki.ca
import pki.cert
import pki.client
import pki.crypto as cryptoutil
import pki.info
import pki.key
import pki.profile
import pki.subsystem
import pki.system
import pytest
import requests
import urllib3
from client_helpers import make_csr, unique
from cryptography import x509
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import pkcs7
from pki.cert import CertRequestStatus
from pki.crypto import AES_128_CBC_OID, DES_EDE3_CBC_OID
from pki.kra import KRAClient
from pki.testing.server import DogtagTestServer, TestUser
from server_fixtures import write_pem
from test_testing_server_profiles import IPA_STYLE_PROFILE

try:  # cryptography >= 43 keeps 3DES among the "decrepit" algorithms, as FreeIPA knows
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    TripleDES = algorithms.TripleDES  # type: ignore[attr-defined,misc]

logger = logging.getLogger(__name__)

# --- ipalib.errors, as far as these backends raise them --------------------------------------


class IPAError(Exception):
    """Base of the stand-ins for FreeIPA's ``ipalib.errors`` classes."""


class NotFound(IPAError):
    pass


class RemoteRetrieveError(IPAError):
    pass


class CertificateOperationError(IPAError):
    pass


class EncodingError(IPAError):
    pass


# --- how the emulated FreeIPA reaches the server ---------------------------------------------


@dataclass
class IPAEnv:
    """The server, the CA file, how the RA agent authenticates, and a record of every path."""

    url: str
    ca_bundle: str
    set_client_auth: Callable[[pki.client.PKIClient], None]
    ra_cert: x509.Certificate  # FreeIPA loads it from RA_AGENT_PEM for the vault's crypto
    paths: list[str] = field(default_factory=list)

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.paths.append(requests.utils.urlparse(response.url).path)

    def new_pki_client(self) -> pki.client.PKIClient:
        """``pki.client.PKIClient(url=..., ca_bundle=...)``, as FreeIPA builds it, with the
        test's response hook on its session."""
        client = pki.client.PKIClient(url=self.url, ca_bundle=self.ca_bundle)
        client.connection.session.hooks["response"].append(self._record)
        return client


def support_v2(pki_client: pki.client.PKIClient) -> pki.client.PKIClient:
    """dogtag.py's ``support_v2``: force v2 by hand, ask for the info (anonymously, before
    client authentication), fall back to v1 on any exception."""
    pki_client.api_path = "v2"
    pki_client.api_version = "v2"
    try:
        pki_client.info_client.get_info()
    except Exception:
        pki_client.api_path = "rest"
        pki_client.api_version = "v1"
    return pki_client


class APIClient:
    """dogtag.py's ``APIClient``: a with-block that logs in to the CA and out again."""

    def __init__(self, env: IPAEnv) -> None:
        self.env = env
        self.pki_client: pki.client.PKIClient | None = None
        self.client: Any = None

    def raise_certificate_operation_exception(self, func_name: str, exc: Any) -> None:
        message = exc.message if hasattr(exc, "message") else str(exc)
        logger.info("%s.%s(): %s", type(self).__name__, func_name, message)
        # FreeIPA compares the exact type: a subclass would not be NotFound
        if type(exc) in (
            pki.ProfileNotFoundException,
            pki.BadRequestException,
            pki.ResourceNotFoundException,
        ):
            raise NotFound(message)
        raise CertificateOperationError(message)

    def __enter__(self) -> Any:
        pki_client = support_v2(self.env.new_pki_client())
        self.pki_client = pki_client
        self.env.set_client_auth(pki_client)
        try:
            api_path = pki_client.get_api_path()
        except requests.exceptions.RequestException as e:
            raise RemoteRetrieveError(e.args[0]) from e
        try:
            response = pki_client.connection.get(f"/ca/{api_path}/account/login")
        except requests.exceptions.HTTPError as e:
            if e.response.status_code == 401:
                raise RemoteRetrieveError("PKI API login failed: invalid authentication") from e
            raise RemoteRetrieveError(e.args[0]) from e
        except requests.exceptions.RequestException as e:
            raise RemoteRetrieveError(e.args[0]) from e
        self.account = response.json()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pki_client is None:
            return
        try:
            self.pki_client.connection.get(f"/ca/{self.pki_client.get_api_path()}/account/logout")
        except Exception as e:  # FreeIPA only logs a failed logout
            logger.info("logout failed: %s", e)


PEM_BODY = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)

REVOCATION_REASONS = [
    "Unspecified", "Key_Compromise", "CA_Compromise", "Affiliation_Changed", "Superseded",
    "Cessation_of_Operation", "Certificate_Hold", "NOTUSED", "Remove_from_CRL",
    "Privilege_Withdrawn", "AA_Compromise",
]


class RA(APIClient):
    """dogtag.py's ``ra`` backend: certificates through ``CertClient(CAClient(pki_client))``."""

    def get_client(self) -> None:
        pki_client = support_v2(self.env.new_pki_client())
        self.env.set_client_auth(pki_client)
        self.client = pki.cert.CertClient(pki.ca.CAClient(pki_client))

    def raise_certificate_operation_error(
        self, func_name: str, err_msg: Any = None, detail: Any = None
    ) -> None:
        message = err_msg or "Unable to communicate with CMS"
        if detail is not None:
            message = f"{message} ({detail})"
        if detail == 404:
            raise NotFound(message)
        raise CertificateOperationError(message)

    def check_request_status(self, request_id: str) -> dict[str, Any]:
        rid = int(request_id, 0)
        self.get_client()
        try:
            request = self.client.get_request(rid)
        except pki.RequestNotFoundException:
            raise NotFound(f"Request ID {hex(rid)} not found") from None
        except requests.exceptions.HTTPError as e:
            if e.response.status_code == 404:
                raise NotFound(f"Request ID {hex(rid)} not found") from None
            self.raise_certificate_operation_error(
                "check_request_status", e.args[0], e.response.status_code
            )
        if request.operation_result != "success":
            self.raise_certificate_operation_error(
                "check_request_status", request.operation_result, request.error_message
            )
        result: dict[str, Any] = {}
        if request.cert_id:
            result["serial_number"] = int(request.cert_id, 16)
        result["request_id"] = int(request.request_id)
        result["cert_request_status"] = request.request_status
        result["request_type"] = request.request_type
        return result

    def get_certificate(self, serial_number: Any) -> dict[str, Any]:
        if isinstance(serial_number, str):
            serial_number = int(serial_number, 0)
        self.get_client()
        try:
            cert = self.client.get_cert(serial_number)
        except pki.CertNotFoundException:
            raise NotFound(f"Certificate ID {hex(serial_number)} not found") from None
        except Exception as e:
            self.raise_certificate_operation_error(
                "get_certificate", detail=f"Failed to retrieve certificate: {e}"
            )
        text = cert.encoded
        match = PEM_BODY.search(text)
        if match:
            text = match.group(1)
        result: dict[str, Any] = {"certificate": text.strip()}
        result["serial_number"] = int(cert.serial_number[2:], 16)
        result["serial_number_hex"] = cert.serial_number
        if hasattr(cert, "RevocationReason"):
            result["revocation_reason"] = cert.RevocationReason
        return result

    def request_certificate(
        self, csr: str, profile_id: str, ca_id: str | None, request_type: str = "pkcs10"
    ) -> dict[str, Any]:
        inputs = {"cert_request_type": "pkcs10", "cert_request": csr}
        self.get_client()
        try:
            result = self.client.enroll_cert(profile_id, inputs, ca_id)
        except pki.PKIException as e:
            raise CertificateOperationError(e.message) from e
        except Exception as e:
            raise CertificateOperationError(str(e)) from e
        if len(result) != 1:
            raise CertificateOperationError(f"Expected one certificate and got {len(result)}")
        enrolled = result[0]
        if enrolled.request.request_status != CertRequestStatus.COMPLETE:
            raise CertificateOperationError(enrolled.request.error_message)
        text = enrolled.cert.encoded
        match = PEM_BODY.search(text)
        if match:
            text = match.group(1)
        return {
            "certificate": "".join(text.splitlines()),
            "request_id": enrolled.request.request_id,
            "cert_request_status": enrolled.request.request_status,
        }

    def get_pki_version(self) -> str:
        info_client = pki.info.InfoClient(self.env.new_pki_client())  # no client auth
        try:
            return str(info_client.get_version())
        except Exception as e:
            self.raise_certificate_operation_error("get_pki_version", detail=e)
            raise  # unreachable

    def revoke_certificate(self, serial_number: str, revocation_reason: int = 0) -> dict:
        if type(revocation_reason) is not int:
            raise TypeError("revocation_reason must be an int")
        if revocation_reason == 7:
            self.raise_certificate_operation_error(
                "revoke_certificate", detail="7 is not a valid revocation reason"
            )
        self.get_client()
        try:
            result = self.client.revoke_cert(
                serial_number, revocation_reason=REVOCATION_REASONS[revocation_reason]
            )
        except pki.BadRequestException as e:
            self.raise_certificate_operation_error(
                "revoke_certificate", detail=e.message.replace("#", "0x")
            )
        except Exception as e:
            self.raise_certificate_operation_error("revoke_certificate", detail=str(e))
        if result.operation_result != "success":
            self.raise_certificate_operation_error(
                "revoke_certificate", result.operation_result, result.error_message
            )
        return {"revoked": True}

    def take_certificate_off_hold(self, serial_number: str) -> dict[str, Any]:
        serial = int(serial_number, 0)
        self.get_client()
        try:
            result = self.client.unrevoke_cert(serial)
        except pki.CertNotFoundException:
            raise NotFound(f"Certificate ID {hex(serial)} not found") from None
        except Exception as e:
            self.raise_certificate_operation_error("take_certificate_off_hold", e)
        if result.operation_result != "success":
            self.raise_certificate_operation_error(
                "take_certificate_off_hold", result.error_message
            )
        out: dict[str, Any] = {"unrevoked": True}
        if result.error_message:
            out["error_string"] = result.error_message
        return out

    def find(self, options: dict[str, Any]) -> list[dict[str, Any]]:
        def epoch_ms(day: str) -> int:
            return int(time.mktime(time.strptime(day, "%Y-%m-%d")) * 1000)

        search: dict[str, Any] = {}
        for option, criterion in (
            ("exactly", "match_exactly"),
            ("subject", "common_name"),
            ("issuer", "issued_by"),
            ("revocation_reason", "revocation_reason"),
            ("min_serial_number", "serial_from"),
            ("max_serial_number", "serial_to"),
            ("status", "status"),
        ):
            if option in options:
                search[criterion] = options[option]
        for option, criterion in (
            ("validnotbefore_from", "valid_not_before_from"),
            ("validnotbefore_to", "valid_not_before_to"),
            ("validnotafter_from", "valid_not_after_from"),
            ("validnotafter_to", "valid_not_after_to"),
            ("issuedon_from", "issued_on_from"),
            ("issuedon_to", "issued_on_to"),
            ("revokedon_from", "revoked_on_from"),
            ("revokedon_to", "revoked_on_to"),
        ):
            if option in options:
                search[criterion] = str(epoch_ms(options[option]))
        self.get_client()
        size = options.get("sizelimit", 0) or 0x7FFFFFFF
        try:
            result = self.client.list_certs(size=size, **search)
        except Exception as e:
            self.raise_certificate_operation_error("find", err_msg=str(e))
        return [
            {
                "serial_number": int(cert.serial_number, 16),
                "serial_number_hex": cert.serial_number,
                "subject": cert.subject_dn,
                "issuer": cert.issuer_dn,
                "valid_not_before": cert.not_valid_before,
                "valid_not_after": cert.not_valid_after,
                "status": cert.status,
            }
            for cert in result.cert_data_info_list
        ]


class KRA:
    """dogtag.py's ``kra`` backend: a ``KRAClient`` on the bare connection, with a crypto
    provider whose "transport certificate" is the RA agent's (as FreeIPA sets it up)."""

    def __init__(self, env: IPAEnv) -> None:
        self.env = env

    @contextlib.contextmanager
    def get_client(self) -> Iterator[KRAClient]:
        crypto = cryptoutil.CryptographyCryptoProvider(
            transport_cert_nick="ra_agent", transport_cert=self.env.ra_cert
        )
        pki_client = support_v2(self.env.new_pki_client())
        self.env.set_client_auth(pki_client)
        yield KRAClient(pki_client.connection, crypto)


class Vault:
    """vault.py's KRA calls (vault-del, vaultconfig-show, vault-archive/retrieve-internal)."""

    def __init__(self, kra: KRA) -> None:
        self.kra = kra

    @staticmethod
    def _login(kra_client: KRAClient) -> pki.account.AccountClient:
        kra_account = pki.account.AccountClient(kra_client.connection, subsystem="kra")
        kra_account.login()
        return kra_account

    @staticmethod
    def _deactivate(kra_client: KRAClient, client_key_id: str) -> None:
        """What vault-del and vault-archive do first: retire the active records."""
        response = kra_client.keys.list_keys(client_key_id, pki.key.KeyClient.KEY_STATUS_ACTIVE)
        for key_info in response.key_infos:
            kra_client.keys.modify_key_status(
                key_info.get_key_id(), pki.key.KeyClient.KEY_STATUS_INACTIVE
            )

    def delete(self, client_key_id: str) -> None:
        with self.kra.get_client() as kra_client:
            kra_account = self._login(kra_client)
            self._deactivate(kra_client, client_key_id)
            kra_account.logout()

    def config_show(self) -> dict[str, Any]:
        with self.kra.get_client() as kra_client:
            transport_cert = kra_client.system_certs.get_transport_cert()
            return {"transport_cert": transport_cert.binary}

    def archive(
        self, client_key_id: str, vault_data: bytes, nonce: bytes, session_key: bytes,
        algorithm_oid: str,
    ) -> None:
        with self.kra.get_client() as kra_client:
            kra_account = self._login(kra_client)
            self._deactivate(kra_client, client_key_id)
            try:
                kra_client.keys.archive_encrypted_data(
                    client_key_id,
                    pki.key.KeyClient.PASS_PHRASE_TYPE,
                    vault_data,
                    session_key,
                    algorithm_oid=algorithm_oid,
                    nonce_iv=nonce,
                )
            except pki.PKIException as e:
                kra_account.logout()
                raise EncodingError(f"Unable to archive key: {e}") from e
            finally:
                kra_account.logout()

    def retrieve(self, client_key_id: str, session_key: bytes, algorithm_oid: str) -> dict:
        with self.kra.get_client() as kra_client:
            kra_account = self._login(kra_client)
            response = kra_client.keys.list_keys(
                client_key_id, pki.key.KeyClient.KEY_STATUS_ACTIVE
            )
            if not len(response.key_infos):
                raise NotFound("No archived data.")
            key_info = response.key_infos[0]
            kra_client.keys.encrypt_alg_oid = algorithm_oid  # FreeIPA's "hack"
            try:
                key = kra_client.keys.retrieve_key(key_info.get_key_id(), session_key)
            except pki.PKIException as e:
                kra_account.logout()
                raise EncodingError(f"Unable to retrieve key: {e}") from e
            finally:
                kra_account.logout()
        return {"vault_data": key.encrypted_data, "nonce": key.nonce_data}


class RACertProfile(APIClient):
    """dogtag.py's ``ra_certprofile``: ``ProfileClient(SubsystemClient(pki_client, 'ca'))``."""

    def __enter__(self) -> RACertProfile:
        super().__enter__()
        self.client = pki.profile.ProfileClient(
            pki.subsystem.SubsystemClient(self.pki_client, "ca")
        )
        return self

    def create_profile(self, profile_data: str) -> None:
        try:
            self.client.create_profile(profile_data, raw=True)
        except pki.ConflictingOperationException as e:
            raise RemoteRetrieveError(str(e)) from e
        except Exception as e:
            self.raise_certificate_operation_exception("create_profile", e)

    def read_profile(self, profile_id: str) -> bytes:
        try:
            profile = self.client.get_profile(profile_id, raw=True)
        except Exception as e:
            self.raise_certificate_operation_exception("read_profile", e)
        return profile.encode("utf-8")

    def update_profile(self, profile_id: str, profile_data: str) -> None:
        try:
            self.client.modify_profile(profile_data, profile_id=profile_id, raw=True)
        except Exception as e:
            self.raise_certificate_operation_exception("update_profile", e)

    def _change_state(self, func_name: str, profile_id: str) -> None:
        """enable_profile/disable_profile: the same call of that name, the same handling."""
        try:
            getattr(self.client, func_name)(profile_id)
        except pki.ConflictingOperationException as e:
            raise RemoteRetrieveError(str(e)) from e
        except Exception as e:
            self.raise_certificate_operation_exception(func_name, e)

    def enable_profile(self, profile_id: str) -> None:
        self._change_state("enable_profile", profile_id)

    def disable_profile(self, profile_id: str) -> None:
        self._change_state("disable_profile", profile_id)

    def delete_profile(self, profile_id: str) -> None:
        try:
            self.client.delete_profile(profile_id)
        except pki.ProfileNotFoundException:
            raise NotFound(f"Profile ID {profile_id} not found") from None
        except Exception as e:
            self.raise_certificate_operation_exception("delete_profile", e)

    def list_profiles(self) -> list[dict[str, Any]]:
        return [
            {
                "profile_id": profile.profile_id,
                "profile_name": profile.profile_name,
                "profile_enabled": str(profile.profileEnable),
            }
            for profile in self.client.list_profiles()
        ]


class RALightweightCA(APIClient):
    """dogtag.py's ``ra_lightweight_ca``: ``AuthorityClient(SubsystemClient(...))``."""

    def __enter__(self) -> RALightweightCA:
        super().__enter__()
        self.client = pki.authority.AuthorityClient(
            pki.subsystem.SubsystemClient(self.pki_client, "ca")
        )
        return self

    def create_ca(self, dn: str) -> dict[str, Any]:
        host_ca = None
        for ca in self.client.list_cas().ca_list:
            if ca.is_host_authority:
                host_ca = ca
                break
        if not host_ca:
            raise NotFound("No host ca found")
        data = pki.authority.AuthorityData(
            **{"dn": str(dn), "description": str(dn), "parent_aid": host_ca.aid}
        )
        try:
            subca = self.client.create_ca(data)
        except Exception as e:
            self.raise_certificate_operation_exception("create_ca", e)
        newca = self.client.get_ca(subca.aid)
        return {"id": subca.aid, "issuerDN": host_ca.dn, "dn": newca.dn}

    def _get(self, ca_id: str, func_name: str) -> Any:
        try:
            return self.client.get_ca(ca_id)
        except Exception as e:
            self.raise_certificate_operation_exception(func_name, e)

    def read_ca(self, ca_id: str) -> dict[str, Any]:
        subca = self._get(ca_id, "read_ca")
        return {
            "id": subca.aid, "issuerDN": subca.issuerDN, "dn": subca.dn,
            "enabled": subca.enabled,
        }

    def read_ca_cert(self, ca_id: str) -> bytes:
        subca = self._get(ca_id, "read_ca_cert")
        try:
            cert = self.client.get_cert(subca.aid, "PEM")
        except Exception as e:
            self.raise_certificate_operation_exception("read_ca_cert", e)
        loaded = x509.load_pem_x509_certificate(cert.encode("utf-8"))
        return loaded.public_bytes(serialization.Encoding.DER)

    def read_ca_chain(self, ca_id: str) -> bytes:
        subca = self._get(ca_id, "read_ca_chain")
        try:
            chain = self.client.get_chain(subca.aid, "PEM")
        except Exception as e:
            self.raise_certificate_operation_exception("read_ca_chain", e)
        # FreeIPA strips four dashes a side and lets the lenient b64decode drop the rest
        chain = chain.replace("----BEGIN PKCS7----", "").replace("----END PKCS7----", "")
        return base64.b64decode(chain)

    def _act(self, ca_id: str, func_name: str, action: Callable[[str], Any]) -> None:
        subca = self._get(ca_id, func_name)
        try:
            action(subca.aid)
        except Exception as e:
            self.raise_certificate_operation_exception(func_name, e)

    def disable_ca(self, ca_id: str) -> None:
        self._act(ca_id, "disable_ca", self.client.disable_ca)

    def enable_ca(self, ca_id: str) -> None:
        self._act(ca_id, "enable_ca", self.client.enable_ca)

    def delete_ca(self, ca_id: str) -> None:
        self._act(ca_id, "enable_ca", self.client.delete_ca)  # FreeIPA's label, as it is


class RASecurityDomain(APIClient):
    """dogtag.py's ``ra_securitydomain``."""

    def __enter__(self) -> RASecurityDomain:
        super().__enter__()
        self.client = pki.system.SecurityDomainClient(
            pki.subsystem.SubsystemClient(self.pki_client, "ca")
        )
        return self

    def delete_domain(self, hostname: str, type: str) -> None:
        self.client.remove_host(hostname, type.lower(), "443")


# --- the commands around the backends (certprofile.py, ca.py, server.py) ---------------------


def certprofile_import(env: IPAEnv, profile_id: str, config: str) -> None:
    with RACertProfile(env) as profile_api:
        profile_api.create_profile(config)
        profile_api.enable_profile(profile_id)


def certprofile_mod(env: IPAEnv, profile_id: str, config: str) -> None:
    with RACertProfile(env) as profile_api:
        profile_api.disable_profile(profile_id)
        try:
            profile_api.update_profile(profile_id, config)
        finally:
            profile_api.enable_profile(profile_id)


def certprofile_del(env: IPAEnv, profile_id: str) -> None:
    with RACertProfile(env) as profile_api:
        profile_api.disable_profile(profile_id)
        profile_api.delete_profile(profile_id)


class ProtectedEntryError(IPAError):
    pass


def ca_del(env: IPAEnv, ca_id: str) -> None:
    """ca.py's ca-del: refuses an enabled CA itself, then deletes it."""
    with RALightweightCA(env) as ca_api:
        try:
            data = ca_api.read_ca(ca_id)
        except NotFound:
            return
        if data["enabled"]:
            raise ProtectedEntryError("Must be disabled first")
        ca_api.delete_ca(ca_id)


def server_del(env: IPAEnv, hostname: str) -> None:
    """server.py's server-del: the KRA's security-domain entry, then the CA's."""
    with RASecurityDomain(env) as domain_api:
        domain_api.delete_domain(hostname, "KRA")
        domain_api.delete_domain(hostname, "CA")


# --- fixtures ---------------------------------------------------------------------------------


def _auth_setter(mode: str, user: TestUser, pem: tuple[str, str]) -> Callable[[Any], None]:
    if mode == "pem":
        return lambda client: client.set_client_auth(client_cert=pem[0], client_key=pem[1])
    info = user.nss_info
    return lambda client: client.set_client_auth(
        nssdb=info["nssdb"], nickname=info["nickname"], nssdb_password_file=info["password_file"]
    )


@pytest.fixture(scope="module", params=["pem", "nssdb"])
def auth_mode(request: pytest.FixtureRequest) -> str:
    """How the RA agent authenticates: FreeIPA's PEM files, or the NSS database."""
    return str(request.param)


@pytest.fixture(scope="module")
def ipa(
    auth_mode: str,
    freeipa_server: DogtagTestServer,
    ra_agent_user: TestUser,
    ra_agent_pem: tuple[str, str],
) -> IPAEnv:
    return IPAEnv(
        freeipa_server.url,
        str(freeipa_server.ca_cert_path),
        _auth_setter(auth_mode, ra_agent_user, ra_agent_pem),
        ra_agent_user.cert,
    )


@pytest.fixture(scope="module")
def outsider_user(freeipa_server: DogtagTestServer) -> TestUser:
    """An authenticated user of the FreeIPA server in no group."""
    return freeipa_server.add_user("ipa-outsider", full_name="Not the RA")


@pytest.fixture(scope="module")
def outsider(
    auth_mode: str, freeipa_server: DogtagTestServer, outsider_user: TestUser, pem_dir: Path
) -> IPAEnv:
    """The emulated FreeIPA with a non-agent's credentials (same kind as the RA's)."""
    pem = write_pem(pem_dir, f"outsider-{auth_mode}", outsider_user.identity)
    return IPAEnv(
        freeipa_server.url,
        str(freeipa_server.ca_cert_path),
        _auth_setter(auth_mode, outsider_user, pem),
        outsider_user.cert,
    )


# Every backend request goes to /v2/; getStatus is a legacy servlet outside v1/v2.
V2_PATH = re.compile(r"^/(ca|kra|pki)/v2/")


@pytest.fixture(autouse=True)
def only_v2(ipa: IPAEnv) -> Iterator[None]:
    start = len(ipa.paths)
    yield
    sent = ipa.paths[start:]
    assert sent, "the test sent nothing through the emulated FreeIPA"
    assert [p for p in sent if not V2_PATH.match(p)] == []


@pytest.fixture(scope="module")
def ipa_profile(ipa: IPAEnv) -> str:
    """A FreeIPA-style service profile imported as certprofile-import does it."""
    profile_id = unique("caIPAserviceCert").replace("-", "")
    certprofile_import(ipa, profile_id, IPA_STYLE_PROFILE.format(profile_id=profile_id))
    return profile_id


# --- ra ---------------------------------------------------------------------------------------


def test_apiclient_login_and_logout(ipa: IPAEnv) -> None:
    start = len(ipa.paths)
    with APIClient(ipa) as api:
        assert api.pki_client.api_path == "v2" and api.pki_client.api_version == "v2"
        assert api.account["id"] == "ipara"
        assert api.account["Roles"] == sorted(
            ["Certificate Manager Agents", "Registration Manager Agents",
             "Security Domain Administrators", "Enterprise ACME Administrators"]
        )
    assert ipa.paths[start:] == ["/pki/v2/info", "/ca/v2/account/login", "/ca/v2/account/logout"]


def test_ra_get_pki_version(ipa: IPAEnv, freeipa_server: DogtagTestServer) -> None:
    assert RA(ipa).get_pki_version() == freeipa_server.version


def test_ra_request_check_and_get_certificate(
    ipa: IPAEnv, ipa_profile: str, freeipa_server: DogtagTestServer
) -> None:
    ra = RA(ipa)
    cn = unique("svc") + ".ipa.example.test"
    csr, key = make_csr(cn)
    issued = ra.request_certificate(csr, ipa_profile, None)
    assert issued["cert_request_status"] == CertRequestStatus.COMPLETE
    cert = x509.load_der_x509_certificate(base64.b64decode(issued["certificate"]))
    assert cert.subject.rfc4514_string() == f"CN={cn},O=EXAMPLE.TEST"
    cert.verify_directly_issued_by(freeipa_server.materials.ca.cert)

    status = ra.check_request_status(issued["request_id"])
    assert status == {
        "serial_number": cert.serial_number,
        "request_id": int(issued["request_id"]),
        "cert_request_status": "complete",
        "request_type": "enrollment",
    }
    fetched = ra.get_certificate(str(cert.serial_number))
    assert base64.b64decode(fetched["certificate"]) == cert.public_bytes(
        serialization.Encoding.DER
    )
    assert fetched["serial_number"] == cert.serial_number
    assert fetched["serial_number_hex"] == hex(cert.serial_number)
    assert "revocation_reason" not in fetched
    assert ra.get_certificate(hex(cert.serial_number))["serial_number"] == cert.serial_number

    with pytest.raises(NotFound):
        ra.check_request_status("0x7ffffff3")
    with pytest.raises(NotFound):
        ra.get_certificate("0x7ffffff3")
    with pytest.raises(CertificateOperationError, match="not found|Not Found"):
        ra.request_certificate(csr, "caNoSuchProfile", None)


def test_ra_request_with_a_lightweight_ca(ipa: IPAEnv, ipa_profile: str) -> None:
    with RALightweightCA(ipa) as ca_api:
        created = ca_api.create_ca(f"CN={unique('IPA Sub CA')},O=EXAMPLE.TEST")
        sub_der = ca_api.read_ca_cert(created["id"])
    cn = unique("subsvc") + ".ipa.example.test"
    csr, _ = make_csr(cn)
    issued = RA(ipa).request_certificate(csr, ipa_profile, created["id"])
    cert = x509.load_der_x509_certificate(base64.b64decode(issued["certificate"]))
    cert.verify_directly_issued_by(x509.load_der_x509_certificate(sub_der))


def test_ra_revoke_hold_and_release(ipa: IPAEnv, ipa_profile: str) -> None:
    ra = RA(ipa)
    serials = []
    for n in range(3):
        csr, _ = make_csr(unique(f"rev{n}") + ".ipa.example.test")
        serials.append(str(ra.check_request_status(
            ra.request_certificate(csr, ipa_profile, None)["request_id"]
        )["serial_number"]))
    key_compromise, hold, release = serials

    assert ra.revoke_certificate(key_compromise, 1) == {"revoked": True}
    assert ra.get_certificate(key_compromise)["revocation_reason"] == 1
    with pytest.raises(CertificateOperationError, match="0x[0-9a-f]+ has already been revoked"):
        ra.revoke_certificate(key_compromise, 4)  # FreeIPA turns Dogtag's '#' into '0x'
    with pytest.raises(CertificateOperationError, match="7 is not a valid"):
        ra.revoke_certificate(key_compromise, 7)
    with pytest.raises(TypeError):
        ra.revoke_certificate(key_compromise, "1")  # type: ignore[arg-type]

    assert ra.revoke_certificate(hold, 6) == {"revoked": True}
    assert ra.get_certificate(hold)["revocation_reason"] == 6
    assert ra.take_certificate_off_hold(hold) == {"unrevoked": True}
    assert "revocation_reason" not in ra.get_certificate(hold)
    with pytest.raises(CertificateOperationError):
        ra.take_certificate_off_hold(key_compromise)  # not on hold
    with pytest.raises(NotFound):
        ra.take_certificate_off_hold("0x7ffffff5")

    # Remove_from_CRL (8) takes a held certificate off hold, as Dogtag's revokeCert does
    ra.revoke_certificate(release, 6)
    assert ra.revoke_certificate(release, 8) == {"revoked": True}
    assert "revocation_reason" not in ra.get_certificate(release)

    assert ra.find({"status": "REVOKED", "min_serial_number": int(key_compromise),
                    "max_serial_number": int(key_compromise)})[0]["status"] == "REVOKED"


def test_ra_find(ipa: IPAEnv, ipa_profile: str) -> None:
    ra = RA(ipa)
    cn = unique("find") + ".ipa.example.test"
    csr, _ = make_csr(cn)
    serial = ra.check_request_status(ra.request_certificate(csr, ipa_profile, None)["request_id"])[
        "serial_number"
    ]
    found = ra.find({"subject": cn, "exactly": True})
    assert [c["serial_number"] for c in found] == [serial]
    entry = found[0]
    assert entry["serial_number_hex"] == hex(serial)
    assert entry["subject"] == f"CN={cn},O=EXAMPLE.TEST"
    assert entry["status"] == "VALID"
    assert entry["issuer"] and entry["valid_not_before"] and entry["valid_not_after"]
    today = time.strftime("%Y-%m-%d")
    dated = ra.find({"subject": cn, "exactly": True, "validnotafter_from": today,
                     "issuedon_from": "2000-01-01", "sizelimit": 10})
    assert [c["serial_number"] for c in dated] == [serial]
    assert ra.find({"subject": cn, "exactly": True, "issuedon_to": "2000-01-01"}) == []
    by_range = ra.find({"min_serial_number": serial, "max_serial_number": serial})
    assert [c["serial_number"] for c in by_range] == [serial]


# --- kra / vault ---------------------------------------------------------------------------------

CIPHERS = {
    AES_128_CBC_OID: (lambda key: algorithms.AES(key), 16),
    DES_EDE3_CBC_OID: (lambda key: TripleDES(key), 24),
}


def wrap_vault_data(oid: str, data: bytes) -> tuple[bytes, bytes, bytes]:
    """What the IPA client does: (session key, nonce, encrypted vault data)."""
    make, key_size = CIPHERS[oid]
    session_key = os.urandom(key_size)
    algorithm = make(session_key)
    nonce = os.urandom(algorithm.block_size // 8)
    padder = padding.PKCS7(algorithm.block_size).padder()
    encryptor = Cipher(algorithm, modes.CBC(nonce)).encryptor()
    vault_data = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    return session_key, nonce, vault_data


def unwrap_vault_data(oid: str, session_key: bytes, nonce: bytes, data: bytes) -> bytes:
    algorithm = CIPHERS[oid][0](session_key)
    decryptor = Cipher(algorithm, modes.CBC(nonce)).decryptor()
    unpadder = padding.PKCS7(algorithm.block_size).unpadder()
    padded = decryptor.update(data) + decryptor.finalize()
    return unpadder.update(padded) + unpadder.finalize()


def transport_wrap(transport_der: bytes, session_key: bytes) -> bytes:
    public_key = x509.load_der_x509_certificate(transport_der).public_key()
    return public_key.encrypt(session_key, asym_padding.PKCS1v15())  # type: ignore[union-attr]


def test_vaultconfig_show(ipa: IPAEnv, freeipa_server: DogtagTestServer) -> None:
    transport = Vault(KRA(ipa)).config_show()["transport_cert"]
    assert isinstance(transport, bytes)
    assert transport == freeipa_server.materials.transport_cert.public_bytes(
        serialization.Encoding.DER
    )


@pytest.mark.parametrize("oid", [AES_128_CBC_OID, DES_EDE3_CBC_OID], ids=["aes128", "3des"])
def test_vault_archive_retrieve_and_delete(ipa: IPAEnv, oid: str) -> None:
    vault = Vault(KRA(ipa))
    transport = vault.config_show()["transport_cert"]
    client_key_id = f"ipa:/users/admin/{unique('vault')}"
    with pytest.raises(NotFound):
        vault.retrieve(client_key_id, transport_wrap(transport, os.urandom(16)), oid)

    for secret in (b"first secret", b"second, replacing the first " + os.urandom(8)):
        plain = json.dumps({"data": base64.b64encode(secret).decode()}).encode()
        session_key, nonce, vault_data = wrap_vault_data(oid, plain)
        vault.archive(client_key_id, vault_data, nonce, transport_wrap(transport, session_key),
                      oid)
        # retrieve with a fresh session key, as vault-retrieve does
        session_key = os.urandom(CIPHERS[oid][1])
        answer = vault.retrieve(client_key_id, transport_wrap(transport, session_key), oid)
        opened = json.loads(unwrap_vault_data(oid, session_key, answer["nonce"],
                                              answer["vault_data"]))
        assert base64.b64decode(opened["data"]) == secret

    with KRA(ipa).get_client() as kra_client:  # archiving again deactivated the old record
        pki.account.AccountClient(kra_client.connection, subsystem="kra").login()
        keys = kra_client.keys.list_keys(client_key_id)
        assert sorted(k.status for k in keys.key_infos) == ["active", "inactive"]

    vault.delete(client_key_id)
    with pytest.raises(NotFound):
        vault.retrieve(client_key_id, transport_wrap(transport, os.urandom(16)), oid)


def test_vault_archive_failure_is_an_encoding_error(ipa: IPAEnv) -> None:
    vault = Vault(KRA(ipa))
    transport = vault.config_show()["transport_cert"]
    session_key, nonce, vault_data = wrap_vault_data(AES_128_CBC_OID, b"{}")
    with pytest.raises(EncodingError, match="Unable to archive key") as err:
        # a session key wrapped for someone else: the KRA cannot unwrap it (400)
        vault.archive(f"ipa:/users/admin/{unique('bad')}", vault_data, nonce,
                      os.urandom(len(transport_wrap(transport, session_key))), AES_128_CBC_OID)
    assert type(err.value.__cause__) is pki.BadRequestException


# --- ra_certprofile ---------------------------------------------------------------------------


def test_certprofile_import_show_mod_find_del(ipa: IPAEnv, ipa_profile: str) -> None:
    profile_id = unique("caIPAuser").replace("-", "")
    config = IPA_STYLE_PROFILE.format(profile_id=profile_id)
    certprofile_import(ipa, profile_id, config)
    with RACertProfile(ipa) as profile_api:
        shown = profile_api.read_profile(profile_id)
        assert isinstance(shown, bytes)
        lines = shown.decode().splitlines()
        assert f"profileId={profile_id}" in lines and "enable=true" in lines
        listed = {p["profile_id"]: p for p in profile_api.list_profiles()}
        # no paging arguments: only the server's first page (20) comes back
        assert len(listed) <= 20 and "caServerCert" in listed
        with pytest.raises(RemoteRetrieveError, match="already exists"):
            profile_api.create_profile(config)
        with pytest.raises(RemoteRetrieveError, match="already enabled"):
            profile_api.enable_profile(profile_id)

    certprofile_mod(ipa, profile_id, config.replace("default.params.range=731",
                                                    "default.params.range=30"))
    with RACertProfile(ipa) as profile_api:
        lines = profile_api.read_profile(profile_id).decode().splitlines()
        assert "policyset.serviceSet.2.default.params.range=30" in lines
        assert "enable=true" in lines  # mod re-enables it
    cn = unique("mod") + ".ipa.example.test"
    csr, _ = make_csr(cn)
    cert = x509.load_der_x509_certificate(
        base64.b64decode(RA(ipa).request_certificate(csr, profile_id, None)["certificate"])
    )
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30

    # a mod that fails still re-enables the profile (FreeIPA's finally)
    broken = config.replace("=subjectNameDefaultImpl", "=noSuchDefaultImpl")
    with pytest.raises(NotFound) as invalid:  # 400 "Invalid profile data"
        certprofile_mod(ipa, profile_id, broken)
    assert type(invalid.value.__context__) is pki.BadRequestException
    with RACertProfile(ipa) as profile_api:
        assert "enable=true" in profile_api.read_profile(profile_id).decode().splitlines()

    certprofile_del(ipa, profile_id)
    with RACertProfile(ipa) as profile_api:
        with pytest.raises(NotFound):  # exactly ProfileNotFoundException → NotFound
            profile_api.read_profile(profile_id)
        with pytest.raises(NotFound, match=f"Profile ID {profile_id} not found"):
            profile_api.delete_profile(profile_id)
        profile_api.disable_profile(ipa_profile)
        with pytest.raises(RemoteRetrieveError, match="already disabled"):
            profile_api.disable_profile(ipa_profile)
        profile_api.enable_profile(ipa_profile)


def test_exact_type_error_mapping(ipa: IPAEnv) -> None:
    """FreeIPA's ``type(exc) in (...)`` test: these pki exceptions must be exactly upstream's
    classes, so that NotFound (and not CertificateOperationError) comes out."""
    with RACertProfile(ipa) as profile_api:
        with pytest.raises(NotFound) as missing:
            profile_api.read_profile("caNoSuchProfile")
        assert type(missing.value.__context__) is pki.ProfileNotFoundException
        with pytest.raises(NotFound) as bad:  # a raw config without classId: 400
            profile_api.create_profile("profileId=caBroken\nname=broken\n")
        assert type(bad.value.__context__) is pki.BadRequestException
    with RALightweightCA(ipa) as ca_api:
        with pytest.raises(NotFound) as gone:
            ca_api.read_ca("5b9d6bd6-fc7c-4b53-9a4c-1e0f2e0f0001")
        assert type(gone.value.__context__) is pki.ResourceNotFoundException
        with pytest.raises(NotFound) as malformed:
            ca_api.read_ca("not-an-authority-id")
        assert type(malformed.value.__context__) is pki.BadRequestException


# --- ra_lightweight_ca ------------------------------------------------------------------------


def test_lightweight_ca_lifecycle(ipa: IPAEnv, freeipa_server: DogtagTestServer) -> None:
    dn = f"CN={unique('IPA Sub CA')},O=EXAMPLE.TEST"
    host_cert = freeipa_server.materials.ca.cert
    with RALightweightCA(ipa) as ca_api:
        created = ca_api.create_ca(dn)
        assert created["dn"] == dn
        assert created["issuerDN"] == pki.convert_x509_name_to_dn(host_cert.subject)
        ca_id = created["id"]
        read = ca_api.read_ca(ca_id)
        assert read == {"id": ca_id, "issuerDN": created["issuerDN"], "dn": dn, "enabled": True}

        der = ca_api.read_ca_cert(ca_id)
        sub_cert = x509.load_der_x509_certificate(der)
        assert pki.convert_x509_name_to_dn(sub_cert.subject) == dn
        sub_cert.verify_directly_issued_by(host_cert)
        chain = ca_api.read_ca_chain(ca_id)  # valid DER PKCS#7 after FreeIPA's stripping
        assert set(pkcs7.load_der_pkcs7_certificates(chain)) == {sub_cert, host_cert}

        ca_api.disable_ca(ca_id)
        assert ca_api.read_ca(ca_id)["enabled"] is False
        ca_api.enable_ca(ca_id)
        assert ca_api.read_ca(ca_id)["enabled"] is True

    with pytest.raises(ProtectedEntryError):
        ca_del(ipa, ca_id)
    with RALightweightCA(ipa) as ca_api:
        with pytest.raises(CertificateOperationError, match="Must disable CA"):
            ca_api.delete_ca(ca_id)  # the server refuses too (409)
        ca_api.disable_ca(ca_id)
    ca_del(ipa, ca_id)
    ca_del(ipa, ca_id)  # already gone: read_ca's NotFound ends it
    with RALightweightCA(ipa) as ca_api:
        with pytest.raises(NotFound):
            ca_api.read_ca(ca_id)
        host = next(a for a in ca_api.client.list_cas().ca_list if a.is_host_authority)
        with pytest.raises(CertificateOperationError):  # the host CA cannot be disabled
            ca_api.disable_ca(host.aid)


# --- ra_securitydomain ------------------------------------------------------------------------


def test_server_del_removes_security_domain_entries(ipa: IPAEnv) -> None:
    hostname = unique("replica") + ".ipa.example.test"
    with APIClient(ipa) as api:  # what pkispawn's join registered for the replica
        for kind in ("KRA", "CA"):
            host = {
                "id": f"{kind} {hostname} 443", "Hostname": hostname, "Port": "8080",
                "SecurePort": "443", "SecureEEClientAuthPort": "443", "SecureAgentPort": "443",
                "SecureAdminPort": "443", "Clone": "TRUE", "DomainManager": "FALSE",
                "SubsystemName": f"{kind} {hostname} 443",
            }
            api.pki_client.connection.put(
                "/ca/v2/securityDomain/hosts", json.dumps(host),
                {"Content-Type": "application/json"},
            )

    def registered() -> set[str]:
        domain = pki.system.SecurityDomainClient(
            pki.subsystem.SubsystemClient(ipa.new_pki_client(), "ca")
        ).get_domain_info()
        return {h for sub in domain.subsystems.values() for h in sub.hosts if hostname in h}

    assert registered() == {f"KRA {hostname} 443", f"CA {hostname} 443"}
    server_del(ipa, hostname)
    assert registered() == set()
    server_del(ipa, hostname)  # twice: the entries are gone, Dogtag still answers 204


# --- the installer's calls (ipaserver/install/dogtaginstance.py, certs.py) -----------------


def test_installer_security_domain_and_agent_enrolment(
    ipa: IPAEnv, freeipa_server: DogtagTestServer
) -> None:
    """dogtaginstance's get_security_domain/is_installing_replica (anonymous PKIClient,
    API found by connect()), and certs.py's RA-agent enrolment (``verify=False``,
    ``caSubsystemCert``), here with the RA agent's credentials in place of the CA admin's
    (both are Certificate Manager Agents)."""
    pki_client = ipa.new_pki_client()
    domain_client = pki.system.SecurityDomainClient(
        pki.subsystem.SubsystemClient(pki_client, "ca")
    )
    info = domain_client.get_domain_info()
    assert len(info.subsystems["CA"].hosts) > 0 and len(info.subsystems["KRA"].hosts) > 0
    with pytest.raises(KeyError):
        info.subsystems["OCSP"]  # is_installing_replica('OCSP'): none deployed
    assert pki_client.api_path == "v2"

    installer = pki.client.PKIClient(url=ipa.url, verify=False)
    installer.connection.session.hooks["response"].append(ipa._record)
    ipa.set_client_auth(installer)
    csr, _ = make_csr(unique("ipa-ra") + ".example.test")
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):  # (upstream silences it)
        result = pki.cert.CertClient(pki.ca.CAClient(installer)).enroll_cert(
            "caSubsystemCert", {"cert_request_type": "pkcs10", "cert_request": csr}
        )[0]
    assert result.request.request_status == pki.cert.CertRequestStatus.COMPLETE
    assert result.request.operation_result == "success"
    issued = x509.load_pem_x509_certificate(result.cert.encoded.encode())
    issued.verify_directly_issued_by(freeipa_server.materials.ca.cert)


# --- status -----------------------------------------------------------------------------------


def test_pki_wait_running(freeipa_server: DogtagTestServer, ipa: IPAEnv) -> None:
    """ipa-pki-wait-running's calls (over HTTPS here: the test server has no plain port)."""
    conn = pki.client.PKIConnection(
        protocol="https", hostname="127.0.0.1", port=str(freeipa_server.port),
        cert_paths=str(freeipa_server.ca_cert_path),
    )
    client = pki.system.SystemStatusClient(conn, subsystem="ca")
    assert client.get_status_url == "/ca/admin/ca/getStatus"
    assert json.loads(client.get_status(timeout=5))["Response"]["Status"] == "running"
    conn.close()
    RA(ipa).get_pki_version()  # (keeps this test's FreeIPA traffic on /v2/ checked)


# --- the other side: a non-agent makes the same calls ---------------------------------------


def test_non_agent_is_refused(outsider: IPAEnv, ipa_profile: str, ipa: IPAEnv) -> None:
    """Logging in works (anybody may), everything the RA may do is refused with exactly
    upstream's exceptions: 403 ForbiddenException, or for the calls upstream does not map
    (the security domain), requests' HTTPError 403."""
    with APIClient(outsider) as api:
        assert api.account["id"] == "ipa-outsider" and not api.account.get("Roles")

    def forbidden(error: BaseException) -> None:
        cause = error.__context__
        assert type(cause) is pki.ForbiddenException, repr(cause)
        assert cause.code == 403

    with RACertProfile(outsider) as profile_api:
        with pytest.raises(CertificateOperationError) as err:
            profile_api.create_profile(IPA_STYLE_PROFILE.format(profile_id="caOutsider"))
        forbidden(err.value)
        with pytest.raises(CertificateOperationError) as err:
            profile_api.read_profile(ipa_profile)
        forbidden(err.value)
        with pytest.raises(CertificateOperationError) as err:
            profile_api.disable_profile(ipa_profile)
        forbidden(err.value)
    with RALightweightCA(outsider) as ca_api:
        with pytest.raises(CertificateOperationError) as err:
            ca_api.create_ca(f"CN={unique('Outsider CA')},O=EXAMPLE.TEST")
        forbidden(err.value)
    with RASecurityDomain(outsider) as domain_api:
        with pytest.raises(requests.HTTPError) as http:
            domain_api.delete_domain("localhost", "KRA")
        assert http.value.response.status_code == 403

    ra = RA(outsider)
    csr, _ = make_csr(unique("out") + ".ipa.example.test")
    # the RA's profile authenticates Registration Manager Agents: the outsider is none
    with pytest.raises(CertificateOperationError) as err:
        ra.request_certificate(csr, ipa_profile, None)
    assert type(err.value.__cause__) is pki.UnauthorizedException
    serial = str(RA(ipa).check_request_status(
        RA(ipa).request_certificate(csr, ipa_profile, None)["request_id"]
    )["serial_number"])
    with pytest.raises(CertificateOperationError) as err:
        ra.revoke_certificate(serial, 1)
    forbidden(err.value)
    with pytest.raises(CertificateOperationError) as err:
        ra.take_certificate_off_hold(serial)
    forbidden(err.value)
    assert ra.get_certificate(serial)["serial_number"] == int(serial)  # reads are public

    vault = Vault(KRA(outsider))
    with pytest.raises(pki.PKIException) as kra_err:
        vault.delete(f"ipa:/users/admin/{unique('outsider')}")
    assert type(kra_err.value) is pki.ForbiddenException and kra_err.value.code == 403
    assert vault.config_show()["transport_cert"]  # the transport certificate is public
    assert outsider.paths and all(V2_PATH.match(p) for p in outsider.paths)


def path_template(path: str) -> str:
    """A path with its IDs, profile IDs and host names replaced by placeholders."""
    for pattern, placeholder in (
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<aid>"),
        (r"(?<=/)(0x[0-9a-f]+|\d+)(?=/|$)", "<id>"),
        (r"(?<=/)ca[A-Z]\w+", "<profile>"),
        (r"(?<=%20)[^/%]+(?=%20443)", "<host>"),
    ):
        path = re.sub(pattern, placeholder, path)
    return path


def test_every_request_went_to_v2(ipa: IPAEnv, auth_mode: str) -> None:
    """The whole module's traffic for this credential form (the per-test check saw it too)."""
    RA(ipa).get_pki_version()
    templates = sorted({path_template(p) for p in ipa.paths})
    logger.info("%s: %d requests, paths: %s", auth_mode, len(ipa.paths), templates)
    print(f"\n{auth_mode}: {len(ipa.paths)} requests")
    for template in templates:
        print("  ", template)
    assert len(ipa.paths) > 50
    assert all(V2_PATH.match(p) for p in ipa.paths)
