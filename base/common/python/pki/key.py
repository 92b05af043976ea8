"""The KRA's key and key-request resources: ``KeyClient`` and its data classes.

Names and signatures follow upstream dogtag-pki master, and 11.2's (its client-side crypto
included, as well as master's pass-through retrieval). Secrets travel wrapped: see ``pki.crypto``.

Differences from upstream, on purpose: responses are read whether the server capitalises
``RequestInfo``/``KeyData`` (10.x) or not (11.x); IDs may be ints, decimal strings or ``0x``
hex (key IDs and serials are sent as ``0x`` hex, request IDs as decimal, which is what
upstream clients have always sent); optional ResourceMessage attributes are left out instead
of being sent as JSON null (which the server reads as the string ``"null"``); building a
client makes no request; ``retrieve_key_by_passphrase`` is implemented (upstream's is empty).
No secret, session key or passphrase is ever logged or put in a repr.
"""

from __future__ import annotations

import base64
import logging
import os
import warnings
from typing import Any

from cryptography import x509

import pki
import pki.client
import pki.crypto
import pki.encoder
import pki.info
import pki.nssdb
import pki.util
from pki.info import Version
from pki.resource import (
    DataCollection,
    JSONData,
    ResourceClient,
    clean_params,
    data,
    decimal_id,
    hex_id,
    json_field,
    object_decoder,
    path_id,
)

logger = logging.getLogger(__name__)

KEY_CLASS_PREFIX = "com.netscape.certsrv.key."


def _b64(data: Any) -> str | None:
    """Base64 text of bytes; text is taken to be base64 already; None stays None."""
    if data is None:
        return None
    if isinstance(data, str):
        return data
    return base64.b64encode(bytes(data)).decode("ascii")


def _unb64(data: Any) -> bytes | None:
    if data is None or data == "":
        return None
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    return base64.b64decode(data)


def _url_tail(url: Any) -> str | None:
    if not url:
        return None
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def _optional(provider: Any, operation: str, *args: Any) -> Any:
    """``provider.<operation>(*args)``, or None when the provider does not implement it
    (upstream master's ``CryptoProvider`` only requires ``initialize()``)."""
    method = getattr(provider, operation, None)
    if not callable(method):
        return None
    try:
        return method(*args)
    except NotImplementedError:
        return None


def _normalised(value: Any, as_hex: bool, what: str) -> str | None:
    """An ID in this module's canonical form, or the raw text when it is not numeric."""
    if value in (None, ""):
        return None
    try:
        return hex_id(value, what) if as_hex else decimal_id(value, what)
    except ValueError:
        return str(value)


class RequestId:
    """A request ID wrapper, as upstream (``value`` holds the ID)."""

    def __init__(self, req_id: Any) -> None:
        self.value = req_id

    def __str__(self) -> str:
        return str(self.value)


# --- Data classes ----------------------------------------------------------------------------


@data
class KeyData(JSONData):
    """What ``POST .../agent/keys/retrieve`` returns: the secret, wrapped for the caller."""

    algorithm: str | None = json_field("algorithm", show=True)
    nonce_data: str | None = json_field("nonceData")
    request_id: str | None = json_field("requestID", show=True)
    size: Any = json_field("size")
    wrapped_private_data: str | None = json_field("wrappedPrivateData")
    additional_wrapped_private_data: str | None = json_field("additionalWrappedPrivateData")
    encrypt_algorithm_oid: str | None = json_field("encryptAlgorithmOID")
    wrap_algorithm: str | None = json_field("wrapAlgorithm")
    public_key: str | None = json_field("publicKey")
    type: str | None = json_field("type")


class Key:
    """A retrieved secret: ``encrypted_data`` and ``nonce_data`` decoded to bytes, and
    ``data`` holding the plaintext when this client unwrapped it itself (else None)."""

    def __init__(self, key_data: KeyData) -> None:
        self.encrypted_data = _unb64(key_data.wrapped_private_data)
        self.nonce_data = _unb64(key_data.nonce_data)
        self.request_id = key_data.request_id
        self.algorithm = key_data.algorithm
        self.size = key_data.size
        self.encrypt_algorithm_oid = getattr(key_data, "encrypt_algorithm_oid", None)
        self.wrap_algorithm = getattr(key_data, "wrap_algorithm", None)
        self.public_key = getattr(key_data, "public_key", None)
        self.data: bytes | None = None

    def __repr__(self) -> str:
        return (
            f"Key(request_id={self.request_id!r}, algorithm={self.algorithm!r}, "
            f"size={self.size!r}, unwrapped={self.data is not None})"
        )


@data
class KeyInfo(JSONData):
    """The record of an archived secret (never the secret itself); ``public_key`` is bytes."""

    client_key_id: str | None = json_field("clientKeyID", show=True)
    key_url: str | None = json_field("keyURL")
    algorithm: str | None = json_field("algorithm")
    status: str | None = json_field("status", show=True)
    owner_name: str | None = json_field("ownerName")
    size: Any = json_field("size")
    public_key: bytes | None = json_field("publicKey", decode=_unb64, encode=_b64)
    realm: str | None = json_field("realm")

    def __repr__(self) -> str:
        return (
            f"KeyInfo(key_id={self.get_key_id()!r}, client_key_id={self.client_key_id!r}, "
            f"status={self.status!r})"
        )

    def get_key_id(self) -> str | None:
        """The key ID as ``0x`` hex, from ``keyId`` or else the ``keyURL`` tail."""
        raw = getattr(self, "keyId", None) or _url_tail(self.key_url)
        return _normalised(raw, True, "key ID")


class KeyInfoCollection(DataCollection[KeyInfo]):
    """A page of ``KeyInfo`` (``key_infos``) plus ``total``."""

    item_type = KeyInfo
    items_attr = "key_infos"
    key_infos: list[KeyInfo]


@data
class KeyRequestInfo(JSONData):
    """The state of an archival, recovery or key-generation request."""

    request_url: str | None = json_field("requestURL")
    request_type: str | None = json_field("requestType")
    key_url: str | None = json_field("keyURL")
    request_status: str | None = json_field("requestStatus")
    realm: str | None = json_field("realm")

    def __repr__(self) -> str:
        return (
            f"KeyRequestInfo(request_id={self.get_request_id()!r}, "
            f"type={self.request_type!r}, status={self.request_status!r})"
        )

    def get_request_id(self) -> str | None:
        """The request ID in decimal, from ``requestID`` or else the ``requestURL`` tail."""
        raw = (
            getattr(self, "requestID", None)
            or getattr(self, "requestId", None)
            or _url_tail(self.request_url)
        )
        return _normalised(raw, False, "request ID")

    def get_key_id(self) -> str | None:
        """The ID (``0x`` hex) of the key this request concerns, if any."""
        raw = getattr(self, "keyId", None) or getattr(self, "keyID", None) or _url_tail(
            self.key_url
        )
        return _normalised(raw, True, "key ID")


class KeyRequestInfoCollection(DataCollection[KeyRequestInfo]):
    """A page of ``KeyRequestInfo`` (``key_requests``) plus ``total``."""

    item_type = KeyRequestInfo
    items_attr = "key_requests"
    key_requests: list[KeyRequestInfo]


@data
class KeyRequestResponse(JSONData):
    """The answer to a submitted key request: ``request_info`` and maybe ``key_data``.

    11.x (Jackson) writes ``requestInfo``/``keyData``, 10.x (JAXB) ``RequestInfo``/``KeyData``;
    both are read.
    """

    request_info: KeyRequestInfo | None = json_field(
        "requestInfo", aliases=("RequestInfo",), item=KeyRequestInfo, show=True
    )
    key_data: KeyData | None = json_field("keyData", aliases=("KeyData",), item=KeyData)

    def get_key_id(self) -> str | None:
        """The ID of the key archived, recovered or generated."""
        return self.request_info.get_key_id() if self.request_info else None

    def get_request_id(self) -> str | None:
        """The ID of the request that was created."""
        return self.request_info.get_request_id() if self.request_info else None


# --- Request messages ------------------------------------------------------------------------


class _KeyMessage(pki.ResourceMessage):
    """A ResourceMessage that leaves out attributes whose value is None."""

    def __init__(self, class_name: str) -> None:
        super().__init__(KEY_CLASS_PREFIX + class_name)

    def _add(self, name: str, value: Any) -> None:
        if value is not None:
            self.add_attribute(name, value)

    def __repr__(self) -> str:
        names = [a.name for a in self.Attributes.Attribute]
        return f"{type(self).__name__}(attributes={names})"


class KeyArchivalRequest(_KeyMessage):
    """Archive a secret. Binary values are base64 text."""

    def __init__(
        self,
        client_key_id: str | None = None,
        data_type: str | None = None,
        wrapped_private_data: str | None = None,
        trans_wrapped_session_key: str | None = None,
        pki_archive_options: str | None = None,
        algorithm_oid: str | None = None,
        symkey_params: str | None = None,
        key_algorithm: str | None = None,
        key_size: int | None = None,
        realm: str | None = None,
    ) -> None:
        super().__init__("KeyArchivalRequest")
        self._add("clientKeyID", client_key_id)
        self._add("dataType", data_type)
        self._add("wrappedPrivateData", wrapped_private_data)
        self._add("transWrappedSessionKey", trans_wrapped_session_key)
        self._add("algorithmOID", algorithm_oid)
        self._add("symmetricAlgorithmParams", symkey_params)
        self._add("pkiArchiveOptions", pki_archive_options)
        self._add("keyAlgorithm", key_algorithm)
        self._add("keySize", key_size)
        self._add("realm", realm)


class KeyRecoveryRequest(_KeyMessage):
    """Ask for a secret (a recovery request), or fetch it once approved."""

    def __init__(
        self,
        key_id: Any = None,
        request_id: Any = None,
        trans_wrapped_session_key: str | None = None,
        session_wrapped_passphrase: str | None = None,
        nonce_data: str | None = None,
        certificate: str | None = None,
        passphrase: str | None = None,
        payload_wrapping_name: str | None = None,
        payload_encryption_oid: str | None = None,
    ) -> None:
        super().__init__("KeyRecoveryRequest")
        self._add("keyId", _normalised(key_id, True, "key ID"))
        self._add("requestId", _normalised(request_id, False, "request ID"))
        self._add("transWrappedSessionKey", trans_wrapped_session_key)
        self._add("sessionWrappedPassphrase", session_wrapped_passphrase)
        self._add("nonceData", nonce_data)
        self._add("certificate", certificate)
        self._add("passphrase", passphrase)
        self._add("payloadWrappingName", payload_wrapping_name)
        self._add("payloadEncryptionOID", payload_encryption_oid)


class SymKeyGenerationRequest(_KeyMessage):
    """Have the KRA generate and archive a symmetric key."""

    UNWRAP_USAGE = "unwrap"
    WRAP_USAGE = "wrap"
    VERIFY_USAGE = "verify"
    SIGN_USAGE = "sign"
    DECRYPT_USAGE = "decrypt"
    ENCRYPT_USAGE = "encrypt"

    _class_name = "SymKeyGenerationRequest"

    def __init__(
        self,
        client_key_id: str | None = None,
        key_size: int | None = None,
        key_algorithm: str | None = None,
        key_usages: list[str] | None = None,
        trans_wrapped_session_key: str | None = None,
        realm: str | None = None,
    ) -> None:
        super().__init__(self._class_name)
        self._add("clientKeyID", client_key_id)
        self._add("keySize", key_size)
        self._add("keyAlgorithm", key_algorithm)
        self._add("keyUsage", ",".join(key_usages) if key_usages else None)
        self._add("transWrappedSessionKey", trans_wrapped_session_key)
        self._add("realm", realm)


class AsymKeyGenerationRequest(SymKeyGenerationRequest):
    """Have the KRA generate and archive an asymmetric key pair."""

    VERIFY_RECOVER_USAGE = "verify_recover"
    SIGN_RECOVER_USAGE = "sign_recover"
    DERIVE_USAGE = "derive"

    _class_name = "AsymKeyGenerationRequest"


# --- The client ------------------------------------------------------------------------------


def list_keys_params(
    client_key_id: str | None = None,
    status: str | None = None,
    max_results: int | None = None,
    max_time: int | None = None,
    start: int | None = None,
    size: int | None = None,
    realm: str | None = None,
    owner: str | None = None,
) -> dict[str, Any]:
    """Query parameters of ``GET /kra/<api>/agent/keys`` (None values dropped)."""
    return clean_params(
        {
            "clientKeyID": client_key_id,
            "status": status,
            "maxResults": max_results,
            "maxTime": max_time,
            "start": start,
            "size": size,
            "realm": realm,
            "owner": owner,
        }
    ) or {}


def list_key_requests_params(
    request_state: str | None = None,
    request_type: str | None = None,
    client_key_id: str | None = None,
    start: Any = None,
    page_size: int | None = None,
    max_results: int | None = None,
    max_time: int | None = None,
    realm: str | None = None,
) -> dict[str, Any]:
    """Query parameters of ``GET /kra/<api>/agent/keyrequests`` (None values dropped)."""
    return clean_params(
        {
            "requestState": request_state,
            "requestType": request_type,
            "clientKeyID": client_key_id,
            "start": None if start is None else decimal_id(start, "start"),
            "pageSize": page_size,
            "maxResults": max_results,
            "maxTime": max_time,
            "realm": realm,
        }
    ) or {}


class KeyClient(ResourceClient):
    """Keys and key requests of a KRA.

    ``parent`` is a ``KRAClient`` (or any subsystem client), a ``PKIClient`` or a
    ``PKIConnection``; paths are ``/kra/<v2|rest>/...``. Accepts upstream master's
    ``KeyClient(parent, crypto=None, info_client=None)`` and 11.2's
    ``KeyClient(connection, crypto, transport_cert_nick=None, info_client=None)``.

    Client-side wrapping (``archive_key``, ``retrieve_key`` without a wrapped session key,
    ``retrieve_key_by_passphrase`` with a passphrase) needs the transport certificate. It is,
    in order: ``transport_cert`` (an ``x509.Certificate`` or PEM/DER bytes); the certificate
    ``crypto.get_cert(transport_cert_nick)`` knows; the one of that nickname in the NSS
    database ``nssdb``; else the server's, from ``/kra/<api>/config/cert/transport``.
    ``oaep`` forces RSA-OAEP (True) or PKCS#1 v1.5 (False); by default the KRA's
    ``RsaPublicKeyWrapAlgorithm`` (from ``/kra/<api>/info``) decides.
    """

    SYMMETRIC_KEY_TYPE = "symmetricKey"
    PASS_PHRASE_TYPE = "passPhrase"
    ASYMMETRIC_KEY_TYPE = "asymmetricKey"

    KEY_STATUS_ACTIVE = "active"
    KEY_STATUS_INACTIVE = "inactive"

    DES_ALGORITHM = "DES"
    DESEDE_ALGORITHM = "DESede"
    DES3_ALGORITHM = "DES3"
    RC2_ALGORITHM = "RC2"
    RC4_ALGORITHM = "RC4"
    AES_ALGORITHM = "AES"

    RSA_ALGORITHM = "RSA"
    DSA_ALGORITHM = "DSA"

    default_subsystem = "kra"
    subsystem_client_attr = "kra_client"

    def __init__(
        self,
        parent: Any,
        crypto: Any = None,
        transport_cert_nick: Any = None,
        info_client: Any = None,
        *,
        transport_cert: Any = None,
        nssdb: str | None = None,
        nssdb_password: str | None = None,
        nssdb_password_file: str | None = None,
        oaep: bool | None = None,
    ) -> None:
        if transport_cert_nick is not None and not isinstance(transport_cert_nick, str):
            # 11.10 passes the InfoClient third.
            info_client, transport_cert_nick = transport_cert_nick, None
        super().__init__(parent)
        self.crypto = crypto
        self.info_client = info_client
        self.transport_cert_nick = transport_cert_nick
        self.transport_cert: x509.Certificate | None = (
            pki.crypto.load_certificate(transport_cert) if transport_cert is not None else None
        )
        self.nssdb = nssdb
        self._nssdb_password = nssdb_password
        self._nssdb_password_file = nssdb_password_file
        self.oaep = oaep
        self._rsa_wrap_name: str | None = None
        self.encrypt_alg_oid: str | None = None
        self.wrap_name: str | None = None
        self.set_crypto_algorithms()

    # -- algorithms --------------------------------------------------------------------------

    def set_crypto_algorithms(self, server_keyset: int | None = None) -> None:
        """Choose the payload cipher: the lowest keyset of server, client and provider.

        The server's keyset is not queried here (servers since 10.4 use keyset 1); pass
        ``server_keyset`` (e.g. ``get_server_keyset()``) to take an older server into account.
        """
        keysets = [self.get_client_keyset(), pki.crypto.KEYSET_AES]
        if server_keyset is not None:
            keysets.append(server_keyset)
        supported = _optional(self.crypto, "get_supported_algorithm_keyset")
        if supported is not None:
            keysets.append(int(supported))
        keyset = min(keysets)
        if keyset == pki.crypto.KEYSET_DES3:
            self.encrypt_alg_oid = pki.crypto.DES_EDE3_CBC_OID
            self.wrap_name = pki.crypto.WRAP_DES3_CBC_PAD
        else:
            self.encrypt_alg_oid = pki.crypto.AES_128_CBC_OID
            self.wrap_name = pki.crypto.WRAP_AES_CBC_PAD

    def get_client_keyset(self) -> int:
        """``KEY_WRAP_PARAMETER_SET`` from the environment or pki.conf (default 1)."""
        value = os.environ.get("KEY_WRAP_PARAMETER_SET")
        if value is None:
            try:
                import pki.conf

                value = pki.conf.load().get("KEY_WRAP_PARAMETER_SET")
            except Exception as exc:  # a broken pki.conf must not break key operations
                logger.debug("Cannot read KEY_WRAP_PARAMETER_SET from pki.conf: %s", exc)
        try:
            return int(value) if value not in (None, "") else pki.crypto.KEYSET_AES
        except ValueError:
            logger.warning("Ignoring invalid KEY_WRAP_PARAMETER_SET=%r", value)
            return pki.crypto.KEYSET_AES

    def get_server_keyset(self) -> int:
        """1 for servers since 10.4 (or when the version cannot be read), else 0."""
        try:
            info_client = self.info_client or pki.info.InfoClient(
                self.pki_client or self.connection
            )
            version = info_client.get_version()
        except Exception as exc:
            logger.debug("Cannot read the server version, assuming keyset 1: %s", exc)
            return pki.crypto.KEYSET_AES
        return pki.crypto.KEYSET_AES if version >= Version("10.4") else pki.crypto.KEYSET_DES3

    def _provider(self) -> Any:
        """The crypto provider, set to this client's keyset."""
        if self.crypto is None:
            self.crypto = pki.crypto.CryptographyCryptoProvider()
        keyset = pki.crypto.keyset_for_oid(self.encrypt_alg_oid)
        if keyset is not None:
            _optional(self.crypto, "set_algorithm_keyset", keyset)
        return self.crypto

    def _rsa_mechanism(self) -> str:
        """``RSA_OAEP`` or ``RSA``: forced by ``oaep``, else as the KRA reports it."""
        if self.oaep is not None:
            return pki.crypto.RSA_OAEP if self.oaep else pki.crypto.RSA_PKCS1
        if self._rsa_wrap_name is None:
            name = pki.crypto.RSA_PKCS1
            try:
                info = self._get_json("info") or {}
                if str(info.get("RsaPublicKeyWrapAlgorithm", "")).upper() == pki.crypto.RSA_OAEP:
                    name = pki.crypto.RSA_OAEP
            except Exception as exc:
                logger.debug("Cannot read the KRA info, using PKCS#1 v1.5: %s", exc)
            self._rsa_wrap_name = name
        return self._rsa_wrap_name

    # -- transport certificate ---------------------------------------------------------------

    def set_transport_cert(self, transport_cert_nick: Any) -> None:
        """Use this transport certificate: a nickname, an ``x509.Certificate`` or PEM/DER."""
        if transport_cert_nick is None:
            raise TypeError("Transport certificate nickname must be specified.")
        if isinstance(transport_cert_nick, str) and "-----BEGIN" not in transport_cert_nick:
            self.transport_cert_nick = transport_cert_nick
            self.transport_cert = None
            self.transport_cert = self._transport_cert_by_nick(transport_cert_nick)
        else:
            self.transport_cert = pki.crypto.load_certificate(transport_cert_nick)

    def _transport_cert_by_nick(self, nickname: str) -> x509.Certificate:
        try:
            known = _optional(self.crypto, "get_cert", nickname)
        except (LookupError, pki.nssdb.CertificateNotFoundError):
            known = None
        if known is not None:
            return pki.crypto.load_certificate(known)
        logger.debug("The crypto provider has no certificate %r", nickname)
        nssdb: Any = self.nssdb or getattr(self.connection, "nssdb", None)
        if nssdb is None:
            raise KeyError(f"no transport certificate known as {nickname!r}")
        if callable(getattr(nssdb, "get_cert", None)):  # an open pki.nssdb.NSSDatabase
            found = nssdb.get_cert(nickname)
            if found is None:
                raise KeyError(f"no transport certificate {nickname!r} in the NSS database")
            return pki.crypto.load_certificate(found)
        return pki.crypto.load_cert_from_nssdb(
            os.fspath(nssdb), nickname, self._nssdb_password, self._nssdb_password_file
        )

    @pki.handle_exceptions()
    def get_transport_cert(self) -> x509.Certificate:
        """The transport certificate used for client-side wrapping (see the class doc)."""
        if self.transport_cert is None:
            if self.transport_cert_nick:
                self.transport_cert = self._transport_cert_by_nick(self.transport_cert_nick)
            else:
                cert_data = self._get_json(
                    "config/cert/transport", decode=object_decoder("the transport certificate")
                )
                encoded = cert_data.get("Encoded")
                if not encoded:
                    raise pki.PKIException("The server sent no transport certificate")
                self.transport_cert = pki.crypto.load_certificate(encoded)
        return self.transport_cert

    def _new_wrapped_session_key(self) -> tuple[bytes, bytes]:
        """A fresh session key and the same key wrapped for the KRA."""
        provider = self._provider()
        session_key = provider.generate_session_key()
        cert = self.get_transport_cert()
        mechanism = self._rsa_mechanism()
        if mechanism == pki.crypto.RSA_PKCS1:
            wrapped = provider.asymmetric_wrap(session_key, cert)
        else:
            wrapped = provider.asymmetric_wrap(session_key, cert, mechanism)
        return session_key, wrapped

    # -- keys --------------------------------------------------------------------------------

    @pki.handle_exceptions()
    def list_keys(
        self,
        client_key_id: str | None = None,
        status: str | None = None,
        max_results: int | None = None,
        max_time: int | None = None,
        start: int | None = None,
        size: int | None = None,
        realm: str | None = None,
        owner: str | None = None,
    ) -> KeyInfoCollection:
        """Search archived keys (``status``: ``active`` or ``inactive``)."""
        params = list_keys_params(
            client_key_id, status, max_results, max_time, start, size, realm, owner
        )
        return self._get_json("agent/keys", params, decode=KeyInfoCollection.from_json)

    @pki.handle_exceptions()
    def get_key_info(self, key_id: Any) -> KeyInfo:
        """The record of one key."""
        kid = hex_id(key_id, "Key ID")
        return self._get_json(f"agent/keys/{kid}", decode=KeyInfo.from_json)

    @pki.handle_exceptions()
    def get_active_key_info(self, client_key_id: str) -> KeyInfo:
        """The record of the active key archived under ``client_key_id``."""
        if client_key_id is None:
            raise TypeError("Client Key ID must be specified")
        return self._get_json(
            "agent/keys/active/" + path_id(client_key_id, "Client Key ID"),
            decode=KeyInfo.from_json,
        )

    @pki.handle_exceptions()
    def modify_key_status(self, key_id: Any, status: str) -> None:
        """Set a key ``active`` or ``inactive``."""
        if key_id is None or status is None:
            raise TypeError("Key ID and status must be specified")
        kid = hex_id(key_id, "Key ID")
        self._request("POST", f"agent/keys/{kid}", params={"status": status})

    # -- requests ----------------------------------------------------------------------------

    @pki.handle_exceptions()
    def list_requests(
        self,
        request_state: str | None = None,
        request_type: str | None = None,
        client_key_id: str | None = None,
        start: Any = None,
        page_size: int | None = None,
        max_results: int | None = None,
        max_time: int | None = None,
        realm: str | None = None,
    ) -> KeyRequestInfoCollection:
        """Search key requests."""
        params = list_key_requests_params(
            request_state, request_type, client_key_id, start, page_size, max_results,
            max_time, realm,
        )
        return self._get_json(
            "agent/keyrequests", params, decode=KeyRequestInfoCollection.from_json
        )

    @pki.handle_exceptions()
    def get_request_info(self, request_id: Any) -> KeyRequestInfo:
        """The state of one key request."""
        rid = decimal_id(request_id, "Request ID")
        return self._get_json(f"agent/keyrequests/{rid}", decode=KeyRequestInfo.from_json)

    def _act(self, request_id: Any, action: str) -> None:
        rid = decimal_id(request_id, "Request ID")
        self._request("POST", f"agent/keyrequests/{rid}/{action}")

    @pki.handle_exceptions()
    def approve_request(self, request_id: Any) -> None:
        """Approve a key request (e.g. a recovery)."""
        self._act(request_id, "approve")

    @pki.handle_exceptions()
    def reject_request(self, request_id: Any) -> None:
        """Reject a key request."""
        self._act(request_id, "reject")

    @pki.handle_exceptions()
    def cancel_request(self, request_id: Any) -> None:
        """Cancel a key request."""
        self._act(request_id, "cancel")

    @pki.handle_exceptions()
    def submit_request(self, request: pki.ResourceMessage) -> KeyRequestResponse:
        """Submit an archival, recovery or key-generation request."""
        if request is None:
            raise TypeError("Request must be specified")
        return self._send_json(
            "POST", "agent/keyrequests", request, decode=KeyRequestResponse.from_json
        )

    # -- generation --------------------------------------------------------------------------

    @pki.handle_exceptions()
    def generate_symmetric_key(
        self,
        client_key_id: str,
        algorithm: str | None = None,
        size: int | None = None,
        usages: list[str] | None = None,
        trans_wrapped_session_key: bytes | None = None,
        realm: str | None = None,
    ) -> KeyRequestResponse:
        """Have the KRA generate and archive a symmetric key."""
        if client_key_id is None:
            raise TypeError("Must specify Client Key ID")
        if trans_wrapped_session_key is not None:
            raise NotImplementedError(
                "Returning the generated key in the same call is not implemented."
            )
        request = SymKeyGenerationRequest(
            client_key_id=client_key_id, key_size=size, key_algorithm=algorithm,
            key_usages=usages, realm=realm,
        )
        return self.submit_request(request)

    @pki.handle_exceptions()
    def generate_asymmetric_key(
        self,
        client_key_id: str,
        algorithm: str | None = None,
        key_size: int | None = None,
        usages: list[str] | None = None,
        trans_wrapped_session_key: bytes | None = None,
        realm: str | None = None,
    ) -> KeyRequestResponse:
        """Have the KRA generate and archive an RSA or DSA key pair."""
        if client_key_id is None:
            raise TypeError("Must specify Client Key ID")
        algorithm = str(algorithm).upper()
        if algorithm not in (self.RSA_ALGORITHM, self.DSA_ALGORITHM):
            raise TypeError("Only RSA and DSA algorithms are supported.")
        if algorithm == self.RSA_ALGORITHM and (
            key_size is None or key_size < 256 or (key_size - 256) % 16
        ):
            raise ValueError("Invalid key size specified.")
        if algorithm == self.DSA_ALGORITHM and key_size not in (512, 768, 1024):
            raise ValueError("Invalid key size specified.")
        if trans_wrapped_session_key is not None:
            raise NotImplementedError(
                "Returning the generated keys in the same call is not implemented."
            )
        request = AsymKeyGenerationRequest(
            client_key_id=client_key_id, key_size=key_size, key_algorithm=algorithm,
            key_usages=usages, realm=realm,
        )
        return self.submit_request(request)

    # -- archival ----------------------------------------------------------------------------

    @staticmethod
    def _check_archival(
        client_key_id: Any, data_type: Any, key_algorithm: Any, key_size: Any
    ) -> None:
        if client_key_id is None or data_type is None:
            raise TypeError("Client Key ID and data type must be specified")
        symmetric = data_type == KeyClient.SYMMETRIC_KEY_TYPE
        if symmetric and (key_algorithm is None or key_size is None):
            raise TypeError("For symmetric keys, key algorithm and key size must be specified")

    @pki.handle_exceptions()
    def archive_key(
        self,
        client_key_id: str,
        data_type: str,
        private_data: bytes,
        key_algorithm: str | None = None,
        key_size: int | None = None,
        realm: str | None = None,
    ) -> KeyRequestResponse:
        """Archive a raw secret, wrapping it here first (see the class doc).

        Only one active key may exist per ``client_key_id``; the server refuses another.
        """
        self._check_archival(client_key_id, data_type, key_algorithm, key_size)
        if private_data is None:
            raise TypeError("No data provided to be archived")
        if isinstance(private_data, str):
            private_data = private_data.encode("utf-8")
        provider = self._provider()
        session_key, wrapped_session_key = self._new_wrapped_session_key()
        nonce_iv = provider.generate_nonce_iv()
        encrypted = provider.symmetric_wrap(private_data, session_key, nonce_iv=nonce_iv)
        return self.archive_encrypted_data(
            client_key_id, data_type, encrypted, wrapped_session_key,
            algorithm_oid=self.encrypt_alg_oid, nonce_iv=nonce_iv,
            key_algorithm=key_algorithm, key_size=key_size, realm=realm,
        )

    @pki.handle_exceptions()
    def archive_encrypted_data(
        self,
        client_key_id: str,
        data_type: str,
        encrypted_data: bytes,
        wrapped_session_key: bytes,
        algorithm_oid: str | None = None,
        nonce_iv: bytes | None = None,
        key_algorithm: str | None = None,
        key_size: int | None = None,
        realm: str | None = None,
    ) -> KeyRequestResponse:
        """Archive a secret the caller has already encrypted and whose session key it wrapped.

        ``algorithm_oid`` names the payload cipher (``pki.crypto.AES_128_CBC_OID``...);
        without it DES-EDE3-CBC is assumed, as upstream does for old callers.
        """
        self._check_archival(client_key_id, data_type, key_algorithm, key_size)
        if not encrypted_data:
            raise TypeError("Missing encrypted data")
        if not wrapped_session_key:
            raise TypeError("Missing wrapped session key")
        if not nonce_iv:
            raise TypeError("Missing nonce IV")
        if not algorithm_oid:
            warnings.warn("algorithm_oid=None is deprecated", DeprecationWarning, stacklevel=2)
            algorithm_oid = pki.crypto.DES_EDE3_CBC_OID
        request = KeyArchivalRequest(
            client_key_id=client_key_id,
            data_type=data_type,
            wrapped_private_data=_b64(encrypted_data),
            trans_wrapped_session_key=_b64(wrapped_session_key),
            algorithm_oid=algorithm_oid,
            symkey_params=_b64(nonce_iv),
            key_algorithm=key_algorithm,
            key_size=key_size,
            realm=realm,
        )
        return self.submit_request(request)

    @pki.handle_exceptions()
    def archive_pki_options(
        self,
        client_key_id: str,
        data_type: str,
        pki_archive_options: bytes,
        key_algorithm: str | None = None,
        key_size: int | None = None,
        realm: str | None = None,
    ) -> KeyRequestResponse:
        """Archive a secret wrapped in a CRMF ``PKIArchiveOptions`` structure (DER)."""
        self._check_archival(client_key_id, data_type, key_algorithm, key_size)
        if pki_archive_options is None:
            raise TypeError("No data provided to be archived")
        request = KeyArchivalRequest(
            client_key_id=client_key_id, data_type=data_type,
            pki_archive_options=_b64(pki_archive_options), key_algorithm=key_algorithm,
            key_size=key_size, realm=realm,
        )
        return self.submit_request(request)

    # -- recovery ----------------------------------------------------------------------------

    @pki.handle_exceptions()
    def recover_key(
        self,
        key_id: Any,
        request_id: Any = None,
        session_wrapped_passphrase: Any = None,
        trans_wrapped_session_key: Any = None,
        b64certificate: str | None = None,
        nonce_data: Any = None,
    ) -> KeyRequestResponse:
        """Create a recovery request for a key (bytes are base64-encoded here)."""
        if key_id is None:
            raise TypeError("Key ID must be defined")
        request = KeyRecoveryRequest(
            key_id=key_id,
            request_id=request_id,
            trans_wrapped_session_key=_b64(trans_wrapped_session_key),
            session_wrapped_passphrase=_b64(session_wrapped_passphrase),
            certificate=b64certificate,
            nonce_data=_b64(nonce_data),
        )
        return self.submit_request(request)

    @pki.handle_exceptions()
    def retrieve_key_data(self, data: KeyRecoveryRequest) -> Key:
        """POST a ``KeyRecoveryRequest`` to ``agent/keys/retrieve``; the wrapped secret back."""
        if data is None:
            raise TypeError("Key Recovery Request must be specified")
        return Key(self._send_json("POST", "agent/keys/retrieve", data, decode=KeyData.from_json))

    @pki.handle_exceptions()
    def retrieve_key(
        self,
        key_id: Any = None,
        trans_wrapped_session_key: bytes | None = None,
        request_id: Any = None,
        encrypt_alg_oid: str | None = None,
        wrap_name: str | None = None,
    ) -> Key:
        """Retrieve a secret (passphrase or symmetric key) by key ID or approved request ID.

        With ``trans_wrapped_session_key`` (11.10 style) the secret comes back encrypted for
        that session key (``encrypted_data``, ``nonce_data``) for the caller to decrypt.
        Without it (11.2 style) this client makes the session key, wraps it with the
        transport certificate, and returns the ``Key`` with the plaintext in ``data``.
        With ``request_id`` the ``key_id`` is ignored.
        """
        if request_id is not None:
            key_id, request_id = None, decimal_id(request_id, "Request ID")
        elif key_id is None:
            raise TypeError("Either request_id or Key ID must be specified")
        else:
            key_id = hex_id(key_id, "Key ID")
        session_key = None
        if trans_wrapped_session_key is None:
            session_key, trans_wrapped_session_key = self._new_wrapped_session_key()
        request = KeyRecoveryRequest(
            key_id=key_id,
            request_id=request_id,
            trans_wrapped_session_key=_b64(trans_wrapped_session_key),
            payload_encryption_oid=encrypt_alg_oid or self.encrypt_alg_oid,
            payload_wrapping_name=wrap_name or self.wrap_name,
        )
        key = self.retrieve_key_data(request)
        if session_key is not None and key.encrypted_data is not None:
            self.process_returned_key(key, session_key)
        return key

    def process_returned_key(self, key: Key, session_key: bytes) -> None:
        """Decrypt ``key.encrypted_data`` with our session key into ``key.data``.

        The server says how it protected the data: an encryption OID (CBC decrypt) or a
        wrap algorithm name (unwrap). With neither, the OID this client asked for is used.
        """
        provider = self._provider()
        assert key.encrypted_data is not None
        if key.encrypt_algorithm_oid or not key.wrap_algorithm:
            oid = key.encrypt_algorithm_oid or self.encrypt_alg_oid
            keyset = pki.crypto.keyset_for_oid(oid)
            if keyset is not None:
                _optional(provider, "set_algorithm_keyset", keyset)
            key.data = provider.symmetric_unwrap(
                key.encrypted_data, session_key, nonce_iv=key.nonce_data
            )
        else:
            key.data = provider.key_unwrap(
                key.wrap_algorithm, key.encrypted_data, session_key, key.nonce_data
            )

    @pki.handle_exceptions()
    def retrieve_key_by_passphrase(
        self,
        key_id: Any = None,
        request_id: Any = None,
        passphrase: str | None = None,
        trans_wrapped_session_key: bytes | None = None,
        session_wrapped_passphrase: bytes | None = None,
        nonce_data: bytes | None = None,
    ) -> tuple[Key, None]:
        """Retrieve a secret protected in transit by a passphrase (PBE).

        Either give ``passphrase`` (it is encrypted here with a fresh session key wrapped for
        the KRA), or the three ready-made values ``trans_wrapped_session_key``,
        ``session_wrapped_passphrase`` and ``nonce_data``. Without ``request_id``, a recovery
        request is created and approved first (one approval must suffice). Returns
        ``(key, None)``: ``key.encrypted_data`` is the secret PBE-encrypted with the
        passphrase by the server, which the caller decrypts.
        """
        if passphrase is not None:
            provider = self._provider()
            session_key, trans_wrapped_session_key = self._new_wrapped_session_key()
            nonce_data = provider.generate_nonce_iv()
            session_wrapped_passphrase = provider.symmetric_wrap(
                passphrase.encode("utf-8"), session_key, nonce_iv=nonce_data
            )
        if not (trans_wrapped_session_key and session_wrapped_passphrase and nonce_data):
            raise TypeError(
                "Give a passphrase, or trans_wrapped_session_key, session_wrapped_passphrase "
                "and nonce_data"
            )
        if request_id is None:
            if key_id is None:
                raise TypeError("Either request_id or Key ID must be specified")
            request_id = self.recover_key(key_id).get_request_id()
            self.approve_request(request_id)
        request = KeyRecoveryRequest(
            key_id=key_id,
            request_id=request_id,
            trans_wrapped_session_key=_b64(trans_wrapped_session_key),
            session_wrapped_passphrase=_b64(session_wrapped_passphrase),
            nonce_data=_b64(nonce_data),
            payload_encryption_oid=self.encrypt_alg_oid,
            payload_wrapping_name=self.wrap_name,
        )
        return self.retrieve_key_data(request), None

    @pki.handle_exceptions()
    def retrieve_key_by_pkcs12(self, key_id: Any, certificate: str, passphrase: str) -> Key:
        """Retrieve an asymmetric private key as PKCS#12 protected by ``passphrase``.

        Creates and approves a recovery request first (one approval must suffice).
        ``certificate`` is the base64 certificate of the key.
        """
        if key_id is None or certificate is None or passphrase is None:
            raise TypeError("Key ID, certificate and passphrase must all be specified")
        request_id = self.recover_key(key_id, b64certificate=certificate).get_request_id()
        self.approve_request(request_id)
        request = KeyRecoveryRequest(
            key_id=key_id, request_id=request_id, passphrase=passphrase
        )
        return self.retrieve_key_data(request)
