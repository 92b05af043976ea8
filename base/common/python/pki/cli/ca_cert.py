"""``pki ca-cert-*``: find, show, revoke, hold and release certificates of the CA.

Finding and showing are anonymous; revoking, holding and releasing need an agent (``-n``).
The revocation commands ask y/N on a terminal first, as the Java CLI does; without a
terminal they refuse unless ``--force`` says the caller really means it.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from pki.cert import CertClient, CertData, CertDataInfo, CertRequestInfo, CertRevokeRequest
from pki.cli.context import CLIContext, CLIError, add_command, confirm, stdin_is_tty
from pki.cli.output import Record, format_millis
from pki.resource import hex_id

CERT_STATUSES = ("VALID", "INVALID", "REVOKED", "EXPIRED", "REVOKED_EXPIRED")

# ca-cert-find option -> CertClient.list_certs() search keyword
_SEARCH_OPTIONS = {
    "name": "common_name",
    "email": "email",
    "uid": "user_id",
    "org": "org",
    "orgUnit": "org_unit",
    "locality": "locality",
    "state": "state",
    "country": "country",
    "minSerialNumber": "serial_from",
    "maxSerialNumber": "serial_to",
    "issuedBy": "issued_by",
    "revokedBy": "revoked_by",
}


def register(subparsers: Any) -> None:
    find_parser = add_command(subparsers, "ca-cert-find", "Find certificates", find)
    find_parser.add_argument("--start", type=int, help="index of the first result")
    find_parser.add_argument("--size", type=int, help="number of results to return")
    find_parser.add_argument("--maxResults", type=int, help="maximum results to search")
    find_parser.add_argument("--maxTime", type=int, help="maximum search time (seconds)")
    find_parser.add_argument(
        "--status", type=str.upper, choices=CERT_STATUSES, help="certificate status"
    )
    find_parser.add_argument("--name", help="subject common name")
    find_parser.add_argument("--email", help="subject email address")
    find_parser.add_argument("--uid", help="subject user ID")
    find_parser.add_argument("--org", help="subject organization")
    find_parser.add_argument("--orgUnit", help="subject organizational unit")
    find_parser.add_argument("--locality", help="subject locality")
    find_parser.add_argument("--state", help="subject state")
    find_parser.add_argument("--country", help="subject country")
    find_parser.add_argument(
        "--matchExactly", action="store_true", help="match subject attributes exactly"
    )
    find_parser.add_argument("--minSerialNumber", help="lowest serial number")
    find_parser.add_argument("--maxSerialNumber", help="highest serial number")
    find_parser.add_argument("--issuedBy", help="agent who issued the certificate")
    find_parser.add_argument("--revokedBy", help="agent who revoked the certificate")

    show = add_command(subparsers, "ca-cert-show", "Show a certificate", show_cert)
    show.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)")
    show.add_argument("--pretty", action="store_true", help="also print the decoded certificate")
    show.add_argument("--encoded", action="store_true", help="also print the PEM certificate")
    show.add_argument("--output", metavar="FILE", help="write the PEM certificate to FILE")

    revoke = add_command(subparsers, "ca-cert-revoke", "Revoke a certificate (agent)", revoke_cert)
    revoke.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)")
    revoke.add_argument(
        "--reason", default="Unspecified", metavar="LABEL",
        help="revocation reason: " + ", ".join(CertRevokeRequest.reasons),
    )
    revoke.add_argument("--comments", help="comments recorded with the revocation")
    revoke.add_argument("--force", action="store_true", help="do not ask for confirmation")

    hold = add_command(subparsers, "ca-cert-hold", "Place a certificate on hold (agent)", hold_cert)
    hold.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)")
    hold.add_argument("--comments", help="comments recorded with the hold")
    hold.add_argument("--force", action="store_true", help="do not ask for confirmation")

    release = add_command(
        subparsers, "ca-cert-release-hold", "Take a certificate off hold (agent)", release_hold
    )
    release.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)")
    release.add_argument("--force", action="store_true", help="do not ask for confirmation")


# -- records -------------------------------------------------------------------------------


def cert_info_record(info: CertDataInfo) -> Record:
    """A search result as the Java CLI lists it."""
    return [
        ("Serial Number", info.serial_number),
        ("Subject DN", info.subject_dn),
        ("Issuer DN", info.issuer_dn),
        ("Status", info.status),
        ("Type", info.type),
        ("Version", info.version),
        ("Key Algorithm", info.key_algorithm_oid),
        ("Key Length", info.key_length),
        ("Not Valid Before", format_millis(info.not_valid_before)),
        ("Not Valid After", format_millis(info.not_valid_after)),
        ("Issued On", format_millis(info.issued_on)),
        ("Issued By", info.issued_by),
        ("Revoked On", format_millis(getattr(info, "RevokedOn", None))),
        ("Revoked By", getattr(info, "RevokedBy", None)),
    ]


def cert_record(cert: CertData) -> Record:
    """A certificate as the Java CLI shows it."""
    reason = getattr(cert, "RevocationReason", None)
    return [
        ("Serial Number", cert.serial_number),
        ("Subject DN", cert.subject_dn),
        ("Issuer DN", cert.issuer_dn),
        ("Status", cert.status),
        ("Not Valid Before", cert.not_before),
        ("Not Valid After", cert.not_after),
        ("Revoked On", format_millis(getattr(cert, "RevokedOn", None))),
        ("Revoked By", getattr(cert, "RevokedBy", None)),
        ("Revocation Reason", _reason_label(reason)),
    ]


def _reason_label(reason: Any) -> Any:
    if reason is None:
        return None
    try:
        return CertRevokeRequest.normalise_reason(int(reason))
    except (TypeError, ValueError):
        return reason


# -- commands ------------------------------------------------------------------------------


def find(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Search certificates (``POST /ca/<api>/certs/search``)."""
    criteria: dict[str, Any] = {}
    for option, keyword in _SEARCH_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            criteria[keyword] = value
    if args.status:
        criteria["status"] = args.status
    if args.matchExactly:
        criteria["match_exactly"] = True
    certs = CertClient(ctx.client()).list_certs(
        max_results=args.maxResults, max_time=args.maxTime, start=args.start, size=args.size,
        **criteria,
    )
    if ctx.printer.is_json:
        ctx.printer.json(certs)
        return 0
    total = certs.total if certs.total is not None else len(certs)
    ctx.printer.listing([cert_info_record(c) for c in certs], f"{total} entries matched")
    return 0


def show_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show one certificate (anonymous ``GET /ca/<api>/certs/{id}``)."""
    cert = CertClient(ctx.client()).get_cert(args.serial)
    if args.output:
        if not cert.encoded:
            raise CLIError(f"the server sent no PEM for certificate {cert.serial_number}")
        with open(os.path.expanduser(args.output), "w", encoding="ascii") as f:
            f.write(cert.encoded.strip() + "\n")
    if ctx.printer.is_json:
        ctx.printer.json(cert)
        return 0
    ctx.printer.message(f'Certificate "{cert.serial_number}"')
    ctx.printer.record(cert_record(cert))
    if args.pretty and cert.pretty_repr:
        ctx.printer.line()
        ctx.printer.line(cert.pretty_repr.rstrip("\n"))
    if args.encoded and cert.encoded:
        ctx.printer.line()
        ctx.printer.line(cert.encoded.strip())
    return 0


def _confirm_change(ctx: CLIContext, args: argparse.Namespace, verb: str, question: str) -> str:
    """The serial as hex, after the user agreed (or ``--force``); shows the cert on a tty."""
    serial = hex_id(args.serial, "Certificate ID")
    details = ""
    if not args.force and stdin_is_tty():
        cert = CertClient(ctx.client()).get_cert(serial)
        details = "\n".join(f"  {k}: {v}" for k, v in cert_record(cert) if v not in (None, ""))
    confirm(question, args.force, f"{verb} certificate {serial}", details)
    return serial


def _after_change(
    ctx: CLIContext, certs: CertClient, serial: str, result: CertRequestInfo, message: str
) -> int:
    """Check the request outcome, then print the message and the certificate's new state."""
    if result.operation_result and result.operation_result != "success":
        raise CLIError(result.error_message or f"the CA reported {result.operation_result}")
    cert = certs.get_cert(serial)
    if ctx.printer.is_json:
        ctx.printer.json({"request": result, "certificate": cert})
        return 0
    ctx.printer.message(message)
    ctx.printer.record(cert_record(cert))
    return 0


def revoke_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Revoke a certificate (nonce fetched and echoed in one session by the library)."""
    reason = CertRevokeRequest.normalise_reason(args.reason)  # fail before asking
    serial = _confirm_change(ctx, args, "revoke", f"Revoke certificate {args.serial} ({reason})")
    certs = CertClient(ctx.client())
    result = certs.revoke_cert(serial, revocation_reason=reason, comments=args.comments)
    return _after_change(ctx, certs, serial, result, f'Revoked certificate "{serial}"')


def hold_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Place a certificate on hold (revocation reason Certificate_Hold)."""
    serial = _confirm_change(ctx, args, "hold", f"Place certificate {args.serial} on hold")
    certs = CertClient(ctx.client())
    result = certs.hold_cert(serial, comments=args.comments)
    return _after_change(ctx, certs, serial, result, f'Placed certificate "{serial}" on-hold')


def release_hold(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Take a certificate off hold."""
    serial = _confirm_change(
        ctx, args, "release", f"Release certificate {args.serial} from hold"
    )
    certs = CertClient(ctx.client())
    result = certs.unrevoke_cert(serial)
    return _after_change(ctx, certs, serial, result, f'Placed certificate "{serial}" off-hold')
