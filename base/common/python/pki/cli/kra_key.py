"""``pki kra-key-*``: find, show, archive and retrieve secrets in the KRA (agent, ``-n``).

Output as the Java CLI's ``KRAKeyCLI`` (``printKeyInfo``, ``printKeyRequestInfo``),
``KRAKeyFindCLI``, ``KRAKeyShowCLI``, ``KRAKeyArchiveCLI`` and ``KRAKeyRetrieveCLI``.

Secrets travel wrapped: this client makes a session key, wraps it with the KRA's transport
certificate (fetched from the KRA) and encrypts the secret with it (``pki.key``). Archived
data, from ``--input-data`` or ``--passphrase``, is stored as the ``passPhrase`` data type, a
secret of arbitrary bytes that comes back unchanged. Retrieved data is binary: it goes to
``--output-data`` (created mode 0600), else to stdout in base64. Secrets are never logged.
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
from pathlib import Path
from typing import Any

from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.output import Record, base64_block, java_date, java_string
from pki.key import KeyClient, KeyInfo, KeyRequestInfo
from pki.resource import hex_id


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
    show.add_argument("key_id", metavar="KEY_ID", nargs="?", help="key ID (decimal or 0x hex)")
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
    which.add_argument("--keyID", help="key ID (decimal or 0x hex)")
    which.add_argument("--requestID", help="ID of an approved recovery request")
    retrieve.add_argument("--output-data", metavar="FILE", help="write the secret to FILE")


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


def _request_record(info: KeyRequestInfo) -> Record:
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
    ctx.printer.record(_request_record(info))
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
