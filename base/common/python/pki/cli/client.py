"""``pki client-cert-find``: the certificates of the client's NSS database.

Read locally (no server involved), like ``certutil -L``, with what admins look for: the
nickname to pass to ``-n``, subject, issuer, serial number, validity and trust flags. As in
the Java CLI, the default lists user certificates (those with a private key); ``--ca`` lists
CA certificates and ``--all`` everything.
"""

from __future__ import annotations

import argparse
from typing import Any

from cryptography import x509

from pki.cli.context import CLIContext, add_command
from pki.cli.output import Record
from pki.nssdb import CertInfo


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "client-cert-find", "List certificates in the client NSS database", find
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--ca", action="store_true", help="list CA certificates")
    which.add_argument("--all", action="store_true", help="list every certificate")


def _is_ca(info: CertInfo) -> bool:
    if info.is_tls_anchor:
        return True
    try:
        constraints = info.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return bool(constraints.value.ca)


def _select(certs: list[CertInfo], args: argparse.Namespace) -> list[CertInfo]:
    if args.all:
        return certs
    if args.ca:
        return [c for c in certs if _is_ca(c)]
    return [c for c in certs if c.has_private_key or "u" in c.trust_flags]


def _record(info: CertInfo) -> Record:
    return [
        ("Serial Number", hex(info.serial_number)),
        ("Nickname", info.nickname),
        ("Subject DN", info.subject),
        ("Issuer DN", info.issuer),
        ("Not Valid Before", f"{info.not_before:%Y-%m-%d %H:%M:%S} UTC"),
        ("Not Valid After", f"{info.not_after:%Y-%m-%d %H:%M:%S} UTC"),
        ("Trust Flags", info.trust_flags),
    ]


def _json(info: CertInfo) -> dict[str, Any]:
    return {
        "nickname": info.nickname,
        "serialNumber": hex(info.serial_number),
        "subjectDN": info.subject,
        "issuerDN": info.issuer,
        "notBefore": info.not_before.isoformat(),
        "notAfter": info.not_after.isoformat(),
        "trustFlags": info.trust_flags,
        "hasPrivateKey": info.has_private_key,
    }


def find(ctx: CLIContext, args: argparse.Namespace) -> int:
    """List the selected certificates of the NSS database."""
    certs = sorted(_select(ctx.nssdb().list_certs(), args), key=lambda c: c.nickname)
    if ctx.printer.is_json:
        ctx.printer.json({"total": len(certs), "entries": [_json(c) for c in certs]})
    else:
        ctx.printer.records(
            [_record(c) for c in certs],
            header=f"{len(certs)} entries found",
            footer=f"Number of entries returned {len(certs)}" if certs else None,
        )
    return 0
