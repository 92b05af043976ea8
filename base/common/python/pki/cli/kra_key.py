"""``pki kra-key-*``: keys and key requests in the KRA (an agent's commands, ``-n``).

Output as the Java CLI's ``KRAKeyCLI`` (``printKeyInfo``, ``printKeyRequestInfo``),
``KRAKeyFindCLI``, ``-Show``, ``-Modify`` (``kra-key-mod``), ``-Archive``, ``-Retrieve``,
``-Generate``, ``-Recover``, ``KRAKeyRequestFindCLI``, ``-Show`` and ``-Review``. A recovery
request (``kra-key-recover``) waits for an agent's ``kra-key-request-review ID --action
approve``; then ``kra-key-retrieve --requestID ID`` gets the secret. The key templates
(``kra-key-template-*``) and ``kra-key-archive --transport`` are the Java CLI's.

Secrets travel wrapped: this client makes a session key, wraps it with the KRA's transport
certificate (fetched from the KRA) and encrypts the secret with it (``pki.key``). Archived
data, from ``--input-data`` or ``--passphrase``, is stored as the ``passPhrase`` data type, a
secret of arbitrary bytes that comes back unchanged. Retrieved data is binary: it goes to
``--output-data`` (created mode 0600), else to stdout in base64. Secrets are never logged.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pki
from pki.cli import family
from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.family import Action
from pki.cli.ids import dogtag_id
from pki.cli.output import Record, base64_block, java_date, java_string
from pki.key import KeyClient, KeyInfo, KeyRequestInfo, KeyRequestResponse
from pki.resource import hex_id

SYMMETRIC_ALGORITHMS = ("AES", "DES", "DES3", "RC2", "RC4", "DESede")
ASYMMETRIC_ALGORITHMS = ("RSA", "DSA")
#: the key size the Java CLI picks when --key-size is not given
_DEFAULT_SIZES = {"DES3": 168, "DESede": 168, "DES": 56}


def register(subparsers: Any) -> None:
    find = add_command(subparsers, "kra-key-find", "Find keys", find_keys)
    find.add_argument("--clientKeyID", help="client key ID")
    find.add_argument("--status", type=str.lower, choices=("active", "inactive"))
    find.add_argument("--maxResults", type=int, help="maximum results")
    find.add_argument("--maxTime", type=int, help="maximum search time (seconds)")
    find.add_argument("--start", type=int, help="index of the first result")
    find.add_argument("--size", type=int, help="page size")
    find.add_argument("--realm", help="authorization realm")
    find.add_argument("--owner", help="key owner")

    show = add_command(subparsers, "kra-key-show", "Get key", show_key)
    show.add_argument("key_id", metavar="KEY_ID", nargs="?", help="key ID (decimal or 0x hex)",
                      type=dogtag_id("key ID"))
    show.add_argument("--clientKeyID", help="show the active key of this client key ID")

    archive = add_command(subparsers, "kra-key-archive", "Archive a secret in the DRM.",
                          archive_key)
    archive.add_argument("--clientKeyID", required=True, help="client key ID")
    source = archive.add_mutually_exclusive_group(required=True)
    source.add_argument("--input-data", metavar="FILE", help="file holding the secret")
    source.add_argument("--passphrase", help="passphrase to archive")
    archive.add_argument("--realm", help="authorization realm")

    retrieve = add_command(subparsers, "kra-key-retrieve", "Retrieve key", retrieve_key)
    which = retrieve.add_mutually_exclusive_group(required=True)
    which.add_argument("--keyID", help="key ID (decimal or 0x hex)", type=dogtag_id("key ID"))
    which.add_argument("--requestID", help="ID of an approved recovery request",
                       type=dogtag_id("request ID"))
    retrieve.add_argument("--output-data", metavar="FILE", help="write the secret to FILE")

    parsers = family.register(subparsers, lambda ctx, a: KeyClient(ctx.client()), ACTIONS,
                              "kra-key-")
    parsers["mod"].add_argument("--status", required=True, type=str.lower,
                                choices=("active", "inactive"), help="key status")
    find_requests = parsers["request-find"]
    find_requests.add_argument("--status", help="request status (pending, complete...)")
    find_requests.add_argument("--type", help="request type (securityDataRecovery...)")
    find_requests.add_argument("--client", metavar="CLIENT_KEY_ID", help="client key ID")
    find_requests.add_argument("--maxResults", type=int, help="maximum results")
    find_requests.add_argument("--maxTime", type=int, help="maximum time (seconds)")
    find_requests.add_argument("--start", help="first request ID")
    find_requests.add_argument("--pageSize", type=int, help="page size")
    find_requests.add_argument("--realm", help="authorization realm")
    parsers["request-review"].add_argument(
        "--action", required=True, type=str.lower, choices=("approve", "reject", "cancel"),
        help="what to do with the request",
    )
    generate = parsers["generate"]
    generate.add_argument("--key-algorithm", required=True,
                          choices=(*SYMMETRIC_ALGORITHMS, *ASYMMETRIC_ALGORITHMS),
                          help="algorithm of the key to generate")
    generate.add_argument("--key-size", type=int, metavar="SIZE",
                          help="key size in bits (needed but for DES, DES3 and DESede)")
    generate.add_argument("--usages", help="comma-separated usages: wrap, unwrap, sign, "
                          "verify, encrypt, decrypt (and derive, sign_recover, verify_recover)")
    generate.add_argument("--realm", help="authorization realm")
    recover = parsers["recover"].add_mutually_exclusive_group(required=True)
    recover.add_argument("--keyID", help="ID of the key to recover", type=dogtag_id("key ID"))
    recover.add_argument("--input", metavar="FILE", help="a KeyRecoveryRequest (JSON)")


def key_record(info: KeyInfo) -> Record:
    """A key record as the Java CLI's ``KRAKeyCLI.printKeyInfo`` prints it."""
    return [
        ("Key ID", java_string(info.get_key_id())),
        ("Client Key ID", info.client_key_id),
        ("Status", info.status),
        ("Algorithm", info.algorithm),
        ("Size", info.size),
        ("Owner", info.owner_name),
        ("Realm", info.realm),
    ]


def request_record(info: KeyRequestInfo) -> Record:
    """A request as the Java CLI's ``KRAKeyCLI.printKeyRequestInfo`` prints it."""
    request_id = info.get_request_id()
    return [
        ("Request ID", hex_id(request_id) if request_id and request_id.isdigit() else request_id),
        ("Key ID", info.get_key_id()),
        ("Type", info.request_type),
        ("Status", info.request_status),
        ("Realm", info.realm),
        ("Creation Time", java_string(java_date(getattr(info, "creationTime", None)))),
        ("Modification Time", java_string(java_date(getattr(info, "modificationTime", None)))),
    ]


# -- key status, requests, generation, recovery ------------------------------------------------


def _modify(keys: KeyClient, args: argparse.Namespace) -> KeyInfo:
    keys.modify_key_status(args.key_id, args.status)
    return keys.get_key_info(args.key_id)


def _find_requests(keys: KeyClient, args: argparse.Namespace) -> Any:
    return keys.list_requests(
        request_state=args.status, request_type=args.type, client_key_id=args.client,
        start=args.start, page_size=args.pageSize, max_results=args.maxResults,
        max_time=args.maxTime, realm=args.realm,
    )


def _review(keys: KeyClient, args: argparse.Namespace) -> KeyRequestInfo:
    getattr(keys, f"{args.action}_request")(args.request_id)
    return keys.get_request_info(args.request_id)


def _generate(keys: KeyClient, args: argparse.Namespace) -> KeyRequestInfo | None:
    algorithm = args.key_algorithm
    size = args.key_size if args.key_size is not None else _DEFAULT_SIZES.get(algorithm)
    if size is None:
        raise CLIError(f"Key size must be specified for {algorithm} keys: pass --key-size",
                       exit_code=2)
    usages = args.usages.split(",") if args.usages else None
    generate = (keys.generate_symmetric_key if algorithm in SYMMETRIC_ALGORITHMS
                else keys.generate_asymmetric_key)
    response: KeyRequestResponse = generate(
        args.client_key_id, algorithm, size, usages, None, args.realm
    )
    return response.request_info


def _recover(keys: KeyClient, args: argparse.Namespace) -> KeyRequestInfo | None:
    if args.keyID is not None:
        return keys.recover_key(args.keyID).request_info
    path = Path(args.input).expanduser()
    try:
        request = pki.ResourceMessage.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise CLIError(f"{path}: not a KeyRecoveryRequest ({exc})") from None
    value = request.get_attribute_value
    return keys.recover_key(
        value("keyId"), None, value("sessionWrappedPassphrase"),
        value("transWrappedSessionKey"), value("certificate"), value("nonceData"),
    ).request_info


ACTIONS = (
    Action("mod", "Modify the status of a key", _modify, ("KEY_ID",), record=key_record),
    Action("request-find", "Find key requests", _find_requests, record=request_record),
    Action("request-show", "Get key request",
           lambda keys, a: keys.get_request_info(a.request_id), ("REQUEST_ID",),
           record=request_record),
    Action("request-review", "Review key request", _review, ("REQUEST_ID",), "Result",
           request_record),
    Action("generate", "Generate key", _generate, ("CLIENT_KEY_ID",),
           "Key generation request info", request_record),
    Action("recover", "Create a key recovery request", _recover, (),
           "Key Recovery Request Information", request_record),
)


def find_keys(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Search key records (``GET /kra/<api>/agent/keys``)."""
    keys = KeyClient(ctx.client()).list_keys(
        client_key_id=args.clientKeyID, status=args.status, max_results=args.maxResults,
        max_time=args.maxTime, start=args.start, size=args.size, realm=args.realm,
        owner=args.owner,
    )
    if ctx.printer.is_json:
        ctx.printer.json({"total": keys.total, "entries": list(keys)})
        return 0
    entries = list(keys)
    ctx.printer.listing([key_record(k) for k in entries], f"{len(entries)} key(s) matched")
    return 0


def show_key(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show one key record, by key ID or as the active key of a client key ID."""
    keys = KeyClient(ctx.client())
    if (args.key_id is None) == (args.clientKeyID is None):
        raise CLIError("give either KEY_ID or --clientKeyID", exit_code=2)
    if args.key_id is not None:
        info = keys.get_key_info(args.key_id)
    else:
        info = keys.get_active_key_info(args.clientKeyID)
    if ctx.printer.is_json:
        ctx.printer.json(info)
        return 0
    ctx.printer.record(key_record(info))
    if info.public_key:
        ctx.printer.line("  Public Key: ")
        ctx.printer.line()
        ctx.printer.line(base64_block(info.public_key))
        ctx.printer.line()
    return 0


def archive_key(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Archive the secret under ``--clientKeyID`` (one active key per client key ID)."""
    if args.input_data is not None:
        data = Path(args.input_data).expanduser().read_bytes()
        if not data:
            raise CLIError(f"{args.input_data} is empty: nothing to archive")
    else:
        data = args.passphrase.encode("utf-8")
    response = KeyClient(ctx.client()).archive_key(
        args.clientKeyID, KeyClient.PASS_PHRASE_TYPE, data, realm=args.realm
    )
    info = response.request_info
    if info is None:
        raise CLIError("the KRA did not describe the archival request")
    if ctx.printer.is_json:
        ctx.printer.json({"requestInfo": info})
        return 0
    ctx.printer.message("Archival request details")
    ctx.printer.record(request_record(info))
    return 0


def _write_secret(path: str, data: bytes) -> None:
    """Write the secret to ``path``, readable by the user only, even if the file existed.

    A new file is written beside the target and renamed over it, so that an existing file
    with wider permissions (or a symbolic link) never receives the secret.
    """
    target = os.path.abspath(os.path.expanduser(path))
    fd, temporary = tempfile.mkstemp(prefix=".pki-secret-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates it with mode 0600
            f.write(data)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def retrieve_key(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Retrieve a secret by key ID or approved request ID, unwrapped here."""
    key = KeyClient(ctx.client()).retrieve_key(key_id=args.keyID, request_id=args.requestID)
    if key.data is None:
        raise CLIError("the KRA returned no data for this key")
    key_id = hex_id(args.keyID, "key ID") if args.keyID else None
    encoded = None
    if args.output_data:
        _write_secret(args.output_data, key.data)
    else:
        encoded = base64.b64encode(key.data).decode("ascii")
    if ctx.printer.is_json:
        result = {"keyID": key_id, "requestID": args.requestID, "algorithm": key.algorithm,
                  "size": key.size, "outputFile": args.output_data, "data": encoded}
        ctx.printer.json({k: v for k, v in result.items() if v is not None})
        return 0
    request_id = key.request_id
    ctx.printer.message("Retrieve Key Information")
    ctx.printer.record(
        [
            ("Recovery Request ID", hex_id(request_id) if request_id else None),
            ("Key Algorithm", key.algorithm),
            ("Key Size", key.size),
            ("Nonce data", base64.b64encode(key.nonce_data).decode() if key.nonce_data else None),
            ("Output", args.output_data),
            ("Actual archived data", encoded),
        ]
    )
    return 0
