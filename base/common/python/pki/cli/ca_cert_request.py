"""``pki ca-cert-request-*``: submit, show, find and review certificate requests.

Submitting and showing are anonymous (whether a request then needs an agent depends on the
profile); finding and reviewing need an agent (``-n``). Request IDs are printed in ``0x`` hex
as the 11.x Java CLI does, and accepted in hex or decimal.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pki.cert import CertClient, CertRequestInfo
from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.output import Record
from pki.resource import hex_id

REQUEST_STATUSES = (
    "begin", "pending", "approved", "svc_pending", "canceled", "rejected", "complete",
)
REQUEST_TYPES = ("enrollment", "renewal", "revocation", "unrevocation")
#: review action -> what the result message says
REVIEW_ACTIONS = {
    "approve": "Approved",
    "reject": "Rejected",
    "cancel": "Canceled",
    "update": "Updated",
    "validate": "Validated",
    "assign": "Assigned",
    "unassign": "Unassigned",
}


def register(subparsers: Any) -> None:
    submit = add_command(
        subparsers, "ca-cert-request-submit", "Submit a certificate request", submit_request
    )
    submit.add_argument("--profile", required=True, help="enrollment profile, e.g. caServerCert")
    submit.add_argument("--csr-file", required=True, metavar="FILE", help="PEM CSR file")
    submit.add_argument(
        "--request-type", default="pkcs10", choices=("pkcs10", "crmf", "cmc"),
        help="CSR format (default: pkcs10)",
    )

    show = add_command(
        subparsers, "ca-cert-request-show", "Show a certificate request", show_request
    )
    show.add_argument("request_id", metavar="REQUEST_ID", help="request ID (decimal or 0x hex)")

    find = add_command(
        subparsers, "ca-cert-request-find", "Find certificate requests (agent)", find_requests
    )
    find.add_argument("--status", type=str.lower, choices=REQUEST_STATUSES, help="request state")
    find.add_argument("--type", type=str.lower, choices=REQUEST_TYPES, help="request type")
    find.add_argument("--start", help="first request ID")
    find.add_argument("--size", type=int, help="page size")
    find.add_argument("--maxResults", type=int, help="maximum results")
    find.add_argument("--maxTime", type=int, help="maximum search time (seconds)")

    review = add_command(
        subparsers, "ca-cert-request-review", "Review a certificate request (agent)",
        review_request,
    )
    review.add_argument("request_id", metavar="REQUEST_ID", help="request ID (decimal or 0x hex)")
    review.add_argument(
        "--action", required=True, type=str.lower, choices=tuple(REVIEW_ACTIONS),
        help="what to do with the request",
    )


def request_record(info: CertRequestInfo) -> Record:
    """A request as the Java CLI shows it."""
    return [
        ("Request ID", _hex_or_raw(info.request_id)),
        ("Type", info.request_type),
        ("Request Status", info.request_status),
        ("Operation Result", info.operation_result),
        ("Certificate ID", info.cert_id),
        ("Reason", info.error_message),
    ]


def _hex_or_raw(value: Any) -> Any:
    try:
        return hex_id(value, "request ID") if value is not None else None
    except ValueError:
        return value


def submit_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Fill the profile's template with the CSR and submit it."""
    csr = Path(args.csr_file).expanduser().read_text(encoding="ascii")
    if args.request_type == "pkcs10" and "CERTIFICATE REQUEST-----" not in csr:
        raise CLIError(f"{args.csr_file} holds no PEM certificate request")
    certs = CertClient(ctx.client())
    request = certs.create_enrollment_request(
        args.profile, {"cert_request_type": args.request_type, "cert_request": csr}
    )
    infos = certs.submit_enrollment_request(request)
    if ctx.printer.is_json:
        ctx.printer.json({"total": len(infos), "entries": list(infos)})
    else:
        ctx.printer.records(
            [request_record(i) for i in infos], header="Submitted certificate request"
        )
    failed = [i for i in infos if i.operation_result == "error"]
    if failed:
        raise CLIError(failed[0].error_message or "the CA refused the request")
    return 0


def show_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show a request's state (and its certificate ID once issued)."""
    info = CertClient(ctx.client()).get_request(args.request_id)
    if ctx.printer.is_json:
        ctx.printer.json(info)
        return 0
    ctx.printer.message(f'Certificate request "{_hex_or_raw(info.request_id)}"')
    ctx.printer.record(request_record(info))
    return 0


def find_requests(ctx: CLIContext, args: argparse.Namespace) -> int:
    """List requests, filtered by state and type (the agent view)."""
    infos = CertClient(ctx.client()).list_requests(
        request_status=args.status,
        request_type=args.type,
        from_request_id=args.start,
        size=args.size,
        max_results=args.maxResults,
        max_time=args.maxTime,
    )
    if ctx.printer.is_json:
        ctx.printer.json({"total": infos.total, "entries": list(infos)})
        return 0
    total = infos.total if infos.total is not None else len(infos)
    ctx.printer.listing([request_record(i) for i in infos], f"{total} entries matched")
    return 0


def review_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Review a request (getting its nonce) and act on it in the same session."""
    certs = CertClient(ctx.client())
    review = certs.review_request(args.request_id)
    getattr(certs, f"{args.action}_request")(args.request_id, review)
    info = certs.get_request(args.request_id)
    if ctx.printer.is_json:
        ctx.printer.json(info)
        return 0
    rid = _hex_or_raw(info.request_id or args.request_id)
    ctx.printer.message(f'{REVIEW_ACTIONS[args.action]} certificate request "{rid}"')
    ctx.printer.record(request_record(info))
    return 0
