"""``pki ca-cert-*``: find, show, revoke, hold and release certificates of the CA.

Output and options as the Java CLI's ``CACertCLI``, ``CACertFindCLI``, ``CACertShowCLI``,
``CACertRevokeCLI``, ``CACertHoldCLI`` and ``CACertReleaseHoldCLI``. Finding and showing are
anonymous; revoking, holding and releasing need an agent (``-n``). Those three take one or
more serial numbers, show each certificate and ask ``Are you sure (Y/N)?`` on standard input
(terminal or not) unless ``--force``; a certificate that fails does not stop the others, and
the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.cert import CertClient, CertData, CertDataInfo, CertRequestInfo, CertRevokeRequest
from pki.cli.context import CLIContext, CLIError, add_command, confirm
from pki.cli.errors import describe_error, print_error
from pki.cli.ids import dogtag_id
from pki.cli.output import Record, java_date, java_string, key_algorithm, record_lines
from pki.resource import hex_id

CERT_STATUSES = ("VALID", "INVALID", "REVOKED", "EXPIRED", "REVOKED_EXPIRED")

#: ca-cert-find option -> CertClient.list_certs() keyword, for options taken as given
_SEARCH_OPTIONS = {
    "minSerialNumber": "serial_from",
    "maxSerialNumber": "serial_to",
    "name": "common_name",
    "email": "email",
    "uid": "user_id",
    "org": "org",
    "orgUnit": "org_unit",
    "locality": "locality",
    "state": "state",
    "country": "country",
    "revokedBy": "revoked_by",
    "issuedBy": "issued_by",
    "certTypeSubEmailCA": "cert_type_sub_email_ca",
    "certTypeSubSSLCA": "cert_type_sub_ssl_ca",
    "certTypeSecureEmail": "cert_type_secure_email",
    "certTypeSSLClient": "cert_type_ssl_client",
    "certTypeSSLServer": "cert_type_ssl_server",
    "validityOperation": "validity_operation",
}
#: date options (YYYY-MM-DD, local time as the Java CLI parses them) -> keyword
_DATE_OPTIONS = {
    "revokedOnFrom": "revoked_on_from",
    "revokedOnTo": "revoked_on_to",
    "issuedOnFrom": "issued_on_from",
    "issuedOnTo": "issued_on_to",
    "validNotBeforeFrom": "valid_not_before_from",
    "validNotBeforeTo": "valid_not_before_to",
    "validNotAfterFrom": "valid_not_after_from",
    "validNotAfterTo": "valid_not_after_to",
}
#: --validityUnit -> milliseconds, as the Java CLI converts it
_VALIDITY_UNITS = {"day": 86400000, "week": 604800000, "month": 2592000000, "year": 31536000000}


def register(subparsers: Any) -> None:
    find_parser = add_command(subparsers, "ca-cert-find", "Find certificates", find)
    find_parser.add_argument("--start", type=int, help="page start")
    find_parser.add_argument("--size", type=int, help="page size")
    find_parser.add_argument("--maxResults", type=int, help="maximum results to search")
    find_parser.add_argument("--maxTime", type=int, help="maximum search time (seconds)")
    find_parser.add_argument("--minSerialNumber", metavar="SERIAL", help="minimum serial number",
                             type=dogtag_id("serial number"))
    find_parser.add_argument("--maxSerialNumber", metavar="SERIAL", help="maximum serial number",
                             type=dogtag_id("serial number"))
    find_parser.add_argument("--name", help="subject's common name")
    find_parser.add_argument("--email", help="subject's email address")
    find_parser.add_argument("--uid", help="subject's user ID")
    find_parser.add_argument("--org", help="subject's organization")
    find_parser.add_argument("--orgUnit", help="subject's organizational unit")
    find_parser.add_argument("--locality", help="subject's locality")
    find_parser.add_argument("--state", help="subject's state")
    find_parser.add_argument("--country", help="subject's country")
    find_parser.add_argument(
        "--matchExactly", action="store_true", help="match the subject attributes exactly"
    )
    find_parser.add_argument(
        "--status", type=str.upper, choices=CERT_STATUSES, help="certificate status"
    )
    find_parser.add_argument("--revokedBy", metavar="USER", help="agent who revoked it")
    find_parser.add_argument(
        "--revocationReason", metavar="REASON",
        help="revocation reason, a label or its code: " + ", ".join(CertRevokeRequest.reasons),
    )
    find_parser.add_argument("--issuedBy", metavar="USER", help="agent who issued it")
    for option, what in (
        ("revokedOn", "revoked"), ("issuedOn", "issued"),
        ("validNotBefore", "valid not before"), ("validNotAfter", "valid not after"),
    ):
        find_parser.add_argument(f"--{option}From", metavar="YYYY-MM-DD", help=f"{what} from")
        find_parser.add_argument(f"--{option}To", metavar="YYYY-MM-DD", help=f"{what} until")
    for option, what in (
        ("SubEmailCA", "subject email CA"), ("SubSSLCA", "subject SSL CA"),
        ("SecureEmail", "secure email"), ("SSLClient", "SSL client"),
        ("SSLServer", "SSL server"),
    ):
        find_parser.add_argument(
            f"--certType{option}", choices=("on", "off"), help=f"certificate type: {what}"
        )
    find_parser.add_argument(
        "--validityOperation", choices=("<=", ">="), help="validity duration operation"
    )
    find_parser.add_argument("--validityCount", type=int, help="validity duration count")
    find_parser.add_argument(
        "--validityUnit", choices=tuple(_VALIDITY_UNITS),
        help="validity duration unit (default: month)",
    )

    show = add_command(subparsers, "ca-cert-show", "Show certificate", show_cert)
    show.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)",
                      type=dogtag_id("serial number"))
    show.add_argument("--pretty", action="store_true", help="also print the decoded certificate")
    show.add_argument("--encoded", action="store_true", help="also print the PEM certificate")
    show.add_argument("--output", metavar="FILE", help="write the PEM certificate to FILE")

    export = add_command(subparsers, "ca-cert-export", "Export certificate", export_command,
                         own_options=("--output-format",))
    export.add_argument("serial", metavar="SERIAL", help="serial number (decimal or 0x hex)",
                        type=dogtag_id("serial number"))
    export.add_argument("--output-format", type=cert_format, choices=CERT_FORMATS,
                        default=argparse.SUPPRESS,
                        help="certificate format: PEM (default) or DER (json: its JSON)")
    export.add_argument("--output-file", metavar="FILE",
                        help="write the certificate to FILE (default: standard output)")

    serials: dict[str, Any] = {
        "metavar": "SERIAL", "nargs": "+", "help": "serial numbers (decimal or 0x hex)",
        "type": dogtag_id("serial number"),
    }
    revoke = add_command(subparsers, "ca-cert-revoke", "Revoke certificate", revoke_cert)
    revoke.add_argument("serials", **serials)
    revoke.add_argument(
        "--reason", default="Unspecified", metavar="REASON",
        help="revocation reason: " + ", ".join(CertRevokeRequest.reasons)
        + " (default: Unspecified)",
    )
    revoke.add_argument("--comments", help="comments recorded with the revocation")
    revoke.add_argument("--ca", action="store_true", help="revoke a CA signing certificate")
    revoke.add_argument("--force", action="store_true", help="do not ask for confirmation")

    hold = add_command(subparsers, "ca-cert-hold", "Place certificate on-hold", hold_cert)
    hold.add_argument("serials", **serials)
    hold.add_argument("--comments", help="comments recorded with the hold")
    hold.add_argument("--force", action="store_true", help="do not ask for confirmation")

    release = add_command(
        subparsers, "ca-cert-release-hold", "Place certificate off-hold", release_hold
    )
    release.add_argument("serials", **serials)
    release.add_argument("--force", action="store_true", help="do not ask for confirmation")


# -- records -------------------------------------------------------------------------------


def cert_info_record(info: CertDataInfo) -> Record:
    """A search result as the Java CLI's ``CACertCLI.printCertInfo`` prints it."""
    cert_type = java_string(info.type)
    if info.version is not None:
        # Dogtag sends the raw X.509 version field (2 for a v3 certificate)
        cert_type += f" version {int(info.version) + 1}"
    return [
        ("Serial Number", info.serial_number),
        ("Subject DN", java_string(info.subject_dn)),
        ("Issuer DN", java_string(info.issuer_dn)),
        ("Status", java_string(info.status)),
        ("Type", cert_type),
        ("Key Algorithm", key_algorithm(info.key_algorithm_oid, info.key_length)),
        ("Not Valid Before", java_string(java_date(info.not_valid_before))),
        ("Not Valid After", java_string(java_date(info.not_valid_after))),
        ("Issued On", java_string(java_date(info.issued_on))),
        ("Issued By", java_string(info.issued_by)),
        ("Revoked On", java_date(getattr(info, "RevokedOn", None))),
        ("Revoked By", getattr(info, "RevokedBy", None)),
    ]


def cert_record(cert: CertData) -> Record:
    """A certificate as the Java CLI's ``CACertCLI.printCertData`` prints it."""
    return [
        ("Serial Number", cert.serial_number),
        ("Subject DN", java_string(cert.subject_dn)),
        ("Issuer DN", java_string(cert.issuer_dn)),
        ("Status", java_string(cert.status)),
        ("Not Valid Before", java_string(cert.not_before)),
        ("Not Valid After", java_string(cert.not_after)),
        ("Revoked On", java_date(getattr(cert, "RevokedOn", None))),
        ("Revoked By", getattr(cert, "RevokedBy", None)),
    ]


def _lines(record: Record) -> str:
    return "\n".join(record_lines(record))


# -- find and show -------------------------------------------------------------------------


def _local_date_millis(option: str, text: str) -> str:
    try:
        day = datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise CLIError(f"--{option} {text}: expected a date as YYYY-MM-DD", exit_code=2) from None
    return str(int(day.astimezone().timestamp() * 1000))  # local midnight, as Java's parse


def search_criteria(args: argparse.Namespace) -> dict[str, Any]:
    """``CertClient.list_certs`` keywords from the ca-cert-find options."""
    criteria: dict[str, Any] = {}
    for option, keyword in _SEARCH_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            criteria[keyword] = value
    for option, keyword in _DATE_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            criteria[keyword] = _local_date_millis(option, value)
    if args.matchExactly:
        criteria["match_exactly"] = True
    if args.status:
        criteria["status"] = args.status
    if args.revocationReason is not None:
        value = args.revocationReason
        try:
            label = CertRevokeRequest.normalise_reason(int(value) if value.isdigit() else value)
        except ValueError:
            raise CLIError(f"--revocationReason {value}: invalid revocation reason",
                           exit_code=2) from None
        code = CertRevokeRequest.reasons.index(label)
        criteria["revocation_reason"] = str(code + 1 if code >= 7 else code)  # 7 is unused
    if args.validityCount is not None or args.validityUnit or args.validityOperation:
        if args.validityOperation is None or args.validityCount is None:
            raise CLIError("a validity search needs --validityOperation and --validityCount",
                           exit_code=2)
        criteria["validity_count"] = args.validityCount
        criteria["validity_unit"] = _VALIDITY_UNITS[args.validityUnit or "month"]
    return criteria


def find(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Search certificates (``POST /ca/<api>/certs/search``)."""
    criteria = search_criteria(args)
    certs = CertClient(ctx.client()).list_certs(
        max_results=args.maxResults, max_time=args.maxTime, start=args.start, size=args.size,
        **criteria,
    )
    if ctx.printer.is_json:
        ctx.printer.json(certs)
        return 0
    entries = list(certs)
    total = certs.total if certs.total is not None else len(entries)
    ctx.printer.listing(
        [cert_info_record(c) for c in entries], f"{total} entries found", stop_if_none=total == 0
    )
    return 0


def show_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show one certificate (anonymous ``GET /ca/<api>/certs/{id}``)."""
    cert = CertClient(ctx.client()).get_cert(args.serial)
    if args.output:
        if not cert.encoded:
            raise CLIError(f"the server sent no PEM for certificate {cert.serial_number}")
        with open(os.path.expanduser(args.output), "w", encoding="ascii") as f:
            f.write(cert.encoded)
    if ctx.printer.is_json:
        ctx.printer.json(cert)
        return 0
    ctx.printer.record(cert_record(cert))
    if args.pretty and cert.pretty_repr:
        ctx.printer.line()
        ctx.printer.line(cert.pretty_repr.rstrip("\n"))
    if args.encoded and cert.encoded:
        ctx.printer.line()
        ctx.printer.stream.write(cert.encoded)
    return 0


#: ``--output-format`` of the commands that write a certificate: Java's PEM or DER, or the
#: global option's text and json (then the certificate's JSON is printed)
CERT_FORMATS = ("PEM", "DER", "text", "json")


def cert_format(value: str) -> str:
    """``PEM``/``DER`` in any case; ``text``/``json`` (the global option's values)."""
    return value.upper() if value.upper() in ("PEM", "DER") else value.lower()


def export_cert(
    ctx: CLIContext, cert: CertData, output_format: str | None, output_file: str | None
) -> int:
    """Write ``cert`` as PEM (default) or DER to ``output_file``, else to standard output,
    as the Java CLI's ``ca-cert-export`` and ``ca-cert-issue`` do; with JSON output, print
    the certificate's JSON instead of writing it to standard output."""
    if not cert.encoded:
        raise CLIError(f"the server sent no PEM for certificate {cert.serial_number}")
    pem = cert.encoded.encode("ascii")
    data = pem
    if output_format == "DER":
        data = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    if output_file:
        Path(output_file).expanduser().write_bytes(data)
    if ctx.printer.is_json:
        ctx.printer.json(cert)
    elif not output_file:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def export_command(ctx: CLIContext, args: argparse.Namespace) -> int:
    """``ca-cert-export SERIAL``: the certificate alone (anonymous ``GET``)."""
    cert = CertClient(ctx.client()).get_cert(args.serial)
    return export_cert(ctx, cert, args.output_format, args.output_file)


# -- revoke, hold, release -------------------------------------------------------------------


def _for_each(ctx: CLIContext, args: argparse.Namespace, verb: str, action: Any) -> int:
    """Run ``action(certs, serial)`` for each serial: a failure is reported (one ERROR line)
    and the next serial is tried, as the Java CLI does; the status is 1 if any failed."""
    certs = CertClient(ctx.client())
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    for given in args.serials:
        try:
            results.append(action(certs, hex_id(given, "Certificate ID")))
        except Exception as exc:
            failures.append(f"Unable to {verb} certificate {given}: {describe_error(exc, ctx)}")
            if len(args.serials) == 1:
                raise CLIError(failures[0]) from exc
            ctx.printer.stream.flush()
            print_error(failures[-1])
    if ctx.printer.is_json:
        ctx.printer.json(results[0] if len(args.serials) == 1 else results)
    return 1 if failures else 0


def _done(ctx: CLIContext, certs: CertClient, serial: str, info: CertRequestInfo, done: str
          ) -> dict[str, Any]:
    """Print the outcome as the Java CLI does (the message, the certificate's new state);
    returns it for JSON. A request the CA completed with an error raises CLIError."""
    if info.request_status == "complete" and info.operation_result == "error":
        raise CLIError(info.error_message or f"the CA reported an error for {serial}")
    if info.request_status not in (None, "complete"):
        if not ctx.printer.is_json:
            ctx.printer.message(f'Request "{hex_id(info.request_id)}": {info.request_status}')
        return {"request": info}
    cert = certs.get_cert(serial)
    if not ctx.printer.is_json:
        ctx.printer.message(done.format(serial=f'"{serial}"'))
        ctx.printer.record(cert_record(cert))
    return {"request": info, "certificate": cert}


def revoke_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Revoke certificates: review each (which gets its nonce), confirm, revoke."""
    try:
        reason = CertRevokeRequest.normalise_reason(args.reason)  # fail before asking
    except ValueError:
        raise CLIError(f"Invalid revocation reason: {args.reason}", exit_code=2) from None
    if reason == "Certificate_Hold":
        intro, done = "Placing certificate on-hold:", "Placed certificate {serial} on-hold"
    elif reason == "Remove_from_CRL":
        intro, done = "Placing certificate off-hold:", "Placed certificate {serial} off-hold"
    else:
        intro, done = "Revoking certificate:", "Revoked certificate {serial}"

    def revoke(certs: CertClient, serial: str) -> dict[str, Any]:
        cert = certs.review_cert(serial)
        confirm("Are you sure", args.force, f"revoke certificate {serial}",
                f"{intro}\n{_lines(cert_record(cert))}", stream=ctx.printer.prompt_stream,
                choices="Y/N")
        method = certs.revoke_ca_cert if args.ca else certs.revoke_cert
        info = method(serial, revocation_reason=reason, comments=args.comments, nonce=cert.nonce)
        return _done(ctx, certs, serial, info, done)

    return _for_each(ctx, args, "revoke", revoke)


def hold_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Place certificates on hold (revocation reason Certificate_Hold)."""

    def hold(certs: CertClient, serial: str) -> dict[str, Any]:
        cert = certs.review_cert(serial)
        confirm("Are you sure", args.force, f"hold certificate {serial}",
                f"Placing certificate on-hold:\n{_lines(cert_record(cert))}",
                stream=ctx.printer.prompt_stream, choices="Y/N")
        info = certs.revoke_cert(serial, revocation_reason="Certificate_Hold",
                                 comments=args.comments, nonce=cert.nonce)
        return _done(ctx, certs, serial, info, "Placed certificate {serial} on-hold")

    return _for_each(ctx, args, "hold", hold)


def release_hold(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Take certificates off hold."""

    def release(certs: CertClient, serial: str) -> dict[str, Any]:
        if not args.force:
            cert = certs.get_cert(serial)
            confirm("Are you sure", False, f"release certificate {serial}",
                    f"Placing certificate off-hold:\n{_lines(cert_record(cert))}",
                    stream=ctx.printer.prompt_stream, choices="Y/N")
        info = certs.unrevoke_cert(serial)
        return _done(ctx, certs, serial, info, "Placed certificate {serial} off-hold")

    return _for_each(ctx, args, "release", release)
