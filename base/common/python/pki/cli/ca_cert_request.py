"""``pki ca-cert-request-*``: submit, show, find, review and act on certificate requests.

Output and options as the Java CLI's ``CACertRequestCLI`` and its ``Submit``, ``Show``,
``Find``, ``Review`` and action commands (``approve``, ``reject``, ``cancel``, ``update``,
``validate``, ``assign``, ``unassign``). Submitting and showing are anonymous (whether a
request then needs an agent depends on the profile); finding, reviewing and acting need an
agent (``-n``). Request IDs are printed in ``0x`` hex and accepted in hex or decimal.

``ca-cert-request-review ID`` without ``--action`` shows the request and asks for the action
on standard input, as the Java CLI does; ``--output-file FILE`` saves the request (JSON)
for ``ca-cert-request-<action> ID --input-file FILE`` instead. The action commands show the
request and ask ``Are you sure (y/N)?`` unless ``--force`` or ``--input-file``.

``ca-cert-issue`` (Java's ``CACertIssueCLI``) submits a request as ``ca-cert-request-submit``
does and, when it is pending, reviews and approves it as the agent (``-n``), then writes the
certificate (PEM, or DER with ``--output-format DER``) to standard output or
``--output-file``. Its options for enrollment passwords, PINs and installer sessions
(``--username``, ``--password``, ``--pin``, ``--session``, ``--install-token``...) and
``--issuer-dn`` are the Java CLI's only: given one of them, the command runs there.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from pki.cert import CertClient, CertEnrollmentRequest, CertRequestInfo, CertReviewResponse
from pki.cli.ca_cert import CERT_FORMATS, cert_format, export_cert
from pki.cli.context import CLIContext, CLIError, add_command, ask, confirm
from pki.cli.ids import dogtag_id
from pki.cli.output import Record, java_date, java_dn, java_string
from pki.resource import hex_id

REQUEST_STATUSES = (
    "begin", "pending", "approved", "svc_pending", "canceled", "rejected", "complete", "all",
)
REQUEST_TYPES = ("enrollment", "renewal", "revocation", "unrevocation", "all")
#: action -> (what the result message says, description of its command)
ACTIONS = {
    "approve": ("Approved", "Approve certificate request"),
    "reject": ("Rejected", "Reject certificate request"),
    "cancel": ("Canceled", "Cancel certificate request"),
    "update": ("Updated", "Update certificate request"),
    "validate": ("Validated", "Validate certificate request"),
    "assign": ("Assigned", "Assign certificate request"),
    "unassign": ("Unassigned", "Unassign certificate request"),
}
_DN_TYPES = {"E": NameOID.EMAIL_ADDRESS, "UID": NameOID.USER_ID}


def register(subparsers: Any) -> None:
    find = add_command(
        subparsers, "ca-cert-request-find", "Find certificate requests", find_requests
    )
    find.add_argument("--status", type=str.lower, choices=REQUEST_STATUSES, help="request state")
    find.add_argument("--type", type=str.lower, choices=REQUEST_TYPES, help="request type")
    find.add_argument("--start", help="first request ID")
    find.add_argument("--size", type=int, help="page size")
    find.add_argument("--maxResults", type=int, help="maximum results")
    find.add_argument(
        "--maxTime", "--timeout", dest="maxTime", type=int, help="search timeout (seconds)"
    )

    show = add_command(
        subparsers, "ca-cert-request-show", "Show certificate request", show_request
    )
    show.add_argument("request_id", metavar="REQUEST_ID", help="request ID (decimal or 0x hex)",
                      type=dogtag_id("request ID"))

    submit = add_command(
        subparsers, "ca-cert-request-submit", "Submit certificate request", submit_request
    )
    submit.add_argument(
        "request_file", nargs="?", metavar="FILE",
        help="enrollment request saved by ca-cert-request-profile-show --output (JSON), "
        "instead of --profile",
    )
    submit.add_argument("--profile", help="enrollment profile, e.g. caServerCert")
    _csr_options(submit, request_type=None)
    submit.add_argument("--issuer-id", metavar="ID", help="lightweight CA (default: host CA)")

    issue = add_command(subparsers, "ca-cert-issue", "Issue certificate", issue_cert,
                        own_options=("--output-format",))
    issue.add_argument("--profile", help="enrollment profile, e.g. caServerCert")
    issue.add_argument("--input-file", metavar="FILE",
                       help="enrollment template saved by ca-cert-request-profile-show")
    _csr_options(issue, request_type=None)
    issue.add_argument("--issuer-id", metavar="ID", help="lightweight CA (default: host CA)")
    issue.add_argument("--output-file", metavar="FILE", help="write the certificate to FILE")
    issue.add_argument(
        "--output-format", type=cert_format, choices=CERT_FORMATS,
        default=argparse.SUPPRESS,
        help="certificate format: PEM (default) or DER (json: the certificate's JSON)",
    )

    review = add_command(
        subparsers, "ca-cert-request-review", "Review certificate request", review_request
    )
    review.add_argument("request_id", metavar="REQUEST_ID",
                        help="request ID (decimal or 0x hex)", type=dogtag_id("request ID"))
    review.add_argument(
        "--action", type=str.lower, choices=tuple(ACTIONS),
        help="deprecated (use ca-cert-request-ACTION): what to do, without asking",
    )
    saved = review.add_mutually_exclusive_group()
    saved.add_argument(
        "--output-file", metavar="FILE", help="save the request (JSON) to FILE and stop"
    )
    saved.add_argument(
        "--file", metavar="FILE",
        help="deprecated (use --output-file): save the request (JSON) to FILE, ask for the "
        "action, then act on the request as FILE then holds it",
    )

    for action, (_, description) in ACTIONS.items():
        command = add_command(
            subparsers, f"ca-cert-request-{action}", description, _action_command(action)
        )
        command.add_argument(
            "request_id", metavar="REQUEST_ID", help="request ID (decimal or 0x hex)",
            type=dogtag_id("request ID"),
        )
        command.add_argument(
            "--input-file", metavar="FILE",
            help="the request as saved by ca-cert-request-review --output-file (edited)",
        )
        command.add_argument("--force", action="store_true", help="do not ask for confirmation")


def _csr_options(parser: argparse.ArgumentParser, request_type: str | None) -> None:
    """The options that describe the CSR, shared by ``ca-cert-request-submit`` and
    ``ca-cert-issue``."""
    parser.add_argument("--csr-file", metavar="FILE", help="file holding the CSR")
    parser.add_argument(
        "--request-type", default=request_type, choices=("pkcs10", "crmf", "cmc"),
        help="CSR type (default: pkcs10)",
    )
    parser.add_argument(
        "--request-format", default="PEM", type=str.upper, choices=("PEM", "DER"),
        help="CSR file format (default: PEM)",
    )
    parser.add_argument(
        "--subject", metavar="DN",
        help="subject DN for the profile's Subject Name input (default: the CSR's subject)",
    )
    parser.add_argument("--renewal", action="store_true", help="submit a renewal request")
    parser.add_argument("--serial", help="serial number of the certificate to renew",
                        type=dogtag_id("serial number"))


# -- records -------------------------------------------------------------------------------


def _hex(value: Any) -> Any:
    try:
        return hex_id(value, "request ID") if value is not None else None
    except ValueError:
        return value


def request_record(info: CertRequestInfo) -> Record:
    """A request as the Java CLI's ``CACertRequestCLI.printCertRequestInfo`` prints it."""
    return [
        ("Request ID", _hex(info.request_id)),
        ("Type", java_string(info.request_type)),
        ("Request Status", java_string(info.request_status)),
        ("Operation Result", java_string(info.operation_result)),
        ("Reason", info.error_message),
        ("Certificate ID", _hex(info.cert_id)),
        ("Creation Time", java_string(java_date(getattr(info, "creationTime", None)))),
        ("Modification Time", java_string(java_date(getattr(info, "modificationTime", None)))),
    ]


def review_lines(review: CertReviewResponse) -> list[str]:
    """A request under review as ``CACertRequestCLI.printCertReviewResponse`` prints it."""
    lines = [
        f"  Request ID: {_hex(review.request_id)}",
        f"  Profile: {java_string(review.profile_name)}",
        f"  Type: {java_string(review.request_type)}",
        f"  Status: {java_string(review.request_status)}",
    ]
    for profile_input in review.inputs:
        lines += ["", f"  {profile_input.name}:"]
        values = [
            f"    {a.name}: {str(a.value).strip()}"
            for a in profile_input.attributes
            if a.value is not None and str(a.value).strip()
        ]
        lines += values or ["    none"]
    return lines


# -- commands ------------------------------------------------------------------------------


def find_requests(ctx: CLIContext, args: argparse.Namespace) -> int:
    """List requests, filtered by state and type (the agent view)."""
    infos = CertClient(ctx.client()).list_requests(
        request_status=None if args.status == "all" else args.status,
        request_type=None if args.type == "all" else args.type,
        from_request_id=args.start,
        size=args.size,
        max_results=args.maxResults,
        max_time=args.maxTime,
    )
    entries = list(infos)
    if ctx.printer.is_json:
        ctx.printer.json({"total": infos.total, "entries": entries})
        return 0
    total = infos.total if infos.total is not None else len(entries)
    ctx.printer.listing(
        [request_record(i) for i in entries], f"{total} entries matched", stop_if_none=total == 0
    )
    return 0


def show_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show a request's state (and its certificate ID once issued)."""
    request_id = hex_id(args.request_id, "certificate request ID")
    info = CertClient(ctx.client()).get_request(request_id)
    ctx.printer.result(f'Certificate request "{request_id}"', info, request_record)
    return 0


def _read_csr(args: argparse.Namespace) -> tuple[str | None, x509.CertificateSigningRequest | None]:
    """The CSR as the text to send, and parsed when it is PKCS #10."""
    if args.csr_file is None:
        return None, None
    data = Path(args.csr_file).expanduser().read_bytes()
    if args.request_type != "pkcs10":
        return data.decode("ascii"), None
    try:
        if args.request_format == "DER":
            csr = x509.load_der_x509_csr(data)
        else:
            csr = x509.load_pem_x509_csr(data)
    except ValueError:
        raise CLIError(
            f"{args.csr_file} holds no {args.request_format} PKCS #10 certificate request"
        ) from None
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii"), csr


def _fill_subject(request: CertEnrollmentRequest, subject: x509.Name) -> None:
    """Fill the profile's Subject Name input (``subject``, ``sn_cn``, ``sn_o``, ...)."""
    profile_input = request.get_input("Subject Name")
    if profile_input is None:
        return
    values: dict[str, str] = {}
    short_names = {oid: short for short, oid in _DN_TYPES.items()}
    for rdn in subject.rdns:
        part = next(iter(rdn))
        name = short_names.get(part.oid, part.rfc4514_attribute_name)
        values.setdefault(f"sn_{name.lower()}", str(part.value))
    values["subject"] = java_dn(subject)
    for attribute in profile_input.attributes:
        if attribute.name in values:
            attribute.value = values[attribute.name]


def _fill_request(request: CertEnrollmentRequest, args: argparse.Namespace) -> None:
    """Put the CSR (and its subject, or ``--subject``), the request type and the renewal
    serial into a profile's enrollment template, as the Java CLI's submit and issue do."""
    csr_text, csr = _read_csr(args)
    subject: x509.Name | None = csr.subject if csr is not None else None
    if args.subject:
        try:
            subject = x509.Name.from_rfc4514_string(args.subject, _DN_TYPES)
        except ValueError as exc:
            raise CLIError(f"--subject {args.subject!r}: not a DN ({exc})", exit_code=2) from None
    values: dict[str, Any] = {}
    if args.request_type is not None:
        values["cert_request_type"] = args.request_type
    if csr_text is not None:
        values["cert_request"] = csr_text
    if args.serial is not None:
        values["serial_num"] = args.serial
    request.set_input_values(values)
    request.renewal = bool(args.renewal)
    if args.serial is not None:
        request.serial_number = hex_id(args.serial, "serial number")
    if subject is not None:
        _fill_subject(request, subject)


def _enrollment_request(
    ctx: CLIContext, args: argparse.Namespace, saved: str | None, saved_name: str
) -> tuple[CertClient, CertEnrollmentRequest]:
    """The CA's client and the request to fill: the one saved in ``saved`` (JSON), else the
    template of ``--profile`` (whose request type then defaults to pkcs10), as the Java
    CLI's submit and issue choose."""
    if (saved is None) == (args.profile is None):
        raise CLIError(f"give either --profile or {saved_name} (a request saved by "
                       "ca-cert-request-profile-show ID --output FILE)", exit_code=2)
    certs = CertClient(ctx.client())
    if saved is None:
        args.request_type = args.request_type or "pkcs10"
        return certs, certs.get_enrollment_template(args.profile)
    path = Path(saved).expanduser()
    try:
        text = path.read_text("utf-8")
        if text.lstrip().startswith("<"):
            raise ValueError("it is XML, which this client does not read: save the request "
                             "again with pki ca-cert-request-profile-show ID --output FILE "
                             "(JSON)")
        return certs, CertEnrollmentRequest.from_json(json.loads(text))
    except (OSError, ValueError) as exc:
        raise CLIError(f"{path}: not an enrollment request ({exc})") from None


def submit_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Fill the profile's template (or the saved request) with the CSR (and subject,
    renewal serial) and submit it."""
    certs, request = _enrollment_request(ctx, args, args.request_file, "a request FILE")
    _fill_request(request, args)
    return print_submission(
        ctx, list(certs.submit_enrollment_request(request, authority=args.issuer_id))
    )


def print_submission(ctx: CLIContext, infos: list[CertRequestInfo]) -> int:
    """Print what the CA answered to an enrollment (as ``CACertRequestSubmitCLI``); the
    first request the CA refused raises CLIError with the CA's reason."""
    if ctx.printer.is_json:
        ctx.printer.json({"total": len(infos), "entries": infos})
    else:
        ctx.printer.message("Submitted certificate request")
        ctx.printer.records([request_record(i) for i in infos])
    failed = [i for i in infos if i.operation_result == "error"]
    if failed:
        raise CLIError(failed[0].error_message or "the CA refused the request")
    return 0


def issue_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Submit a request and, when it is pending, review and approve it in the same session;
    then print (or save) the certificate, as the Java CLI's ``ca-cert-issue``."""
    certs, request = _enrollment_request(ctx, args, args.input_file, "--input-file")
    _fill_request(request, args)
    infos = list(certs.submit_enrollment_request(request, authority=args.issuer_id))
    if not infos:
        raise CLIError("Unable to submit certificate request")
    info = infos[0]
    if info.request_status == "pending":
        certs.approve_request(info.request_id, certs.review_request(info.request_id))
        info = certs.get_request(info.request_id)
    if info.request_status != "complete" or not info.cert_id:
        raise CLIError(f"Request {info.request_status}"
                       + (f": {info.error_message}" if info.error_message else ""))
    return export_cert(ctx, certs.get_cert(info.cert_id), args.output_format, args.output_file)


def _act(ctx: CLIContext, certs: CertClient, request_id: str, action: str,
         review: CertReviewResponse) -> int:
    """Perform ``action`` on the reviewed request, then print its new state as Java does."""
    getattr(certs, f"{action}_request")(request_id, review)
    info = certs.get_request(request_id)
    ctx.printer.result(f"{ACTIONS[action][0]} certificate request {request_id}", info,
                       request_record)
    return 0


def review_request(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Review a request (getting its nonce), then act on it in the same session."""
    request_id = hex_id(args.request_id, "certificate request ID")
    if args.action and (args.output_file or args.file):
        option = "--output-file" if args.output_file else "--file"
        raise CLIError(f"--action and {option} are mutually exclusive", exit_code=2)
    certs = CertClient(ctx.client())
    review = certs.review_request(request_id)
    out = ctx.printer.prompt_stream
    if args.action is None:
        rule = "-" * len(f"Retrieved certificate request {request_id}")
        out.write(f"{rule}\nRetrieved certificate request {request_id}\n{rule}\n")
        out.write("\n".join(review_lines(review)) + "\n\n")
    saved = args.output_file or args.file
    if saved:
        Path(saved).expanduser().write_text(
            json.dumps(review.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        out.write(f"Please review the certificate request in {saved}.\n")
    if args.output_file:
        out.write(
            "Update the file if necessary, then execute:\n\n"
            f"  $ pki ... ca-cert-request-<action> {request_id} --input-file {args.output_file}"
            f"\n\nAvailable actions: {', '.join(ACTIONS)}\n"
        )
        return 0
    if args.file:
        out.write("Update the file if necessary, then select an action below.\n\n")
    action = args.action
    while action is None:
        answer = ask(f"Action ({'/'.join(ACTIONS)}): ", stream=out)
        if answer is None:
            raise CLIError("no action given on standard input: nothing done")
        if not answer:
            return 0  # as the Java CLI: an empty answer does nothing
        if answer.lower() in ACTIONS:
            action = answer.lower()
        else:
            out.write(f"Invalid action: {answer}\n")
    if args.file:  # as the Java CLI: the request as the file now holds it
        review = _saved_review(Path(args.file).expanduser(), request_id, review.nonce)
    return _act(ctx, certs, request_id, action, review)


def _saved_review(path: Path, request_id: str, nonce: Any) -> CertReviewResponse:
    """The review saved (and perhaps edited) in ``path``, with this session's nonce."""
    try:
        edited = CertReviewResponse.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError) as exc:
        raise CLIError(f"{path}: not a saved certificate request ({exc})") from None
    if _hex(edited.request_id) != request_id:
        raise CLIError(f"Incorrect certificate request in {path}")
    edited.nonce = nonce
    return edited


def _action_command(action: str) -> Any:
    def run(ctx: CLIContext, args: argparse.Namespace) -> int:
        request_id = hex_id(args.request_id, "certificate request ID")
        certs = CertClient(ctx.client())
        review = certs.review_request(request_id)
        if args.input_file is None:
            details = "\n".join(review_lines(review)) + "\n"
            confirm("Are you sure", args.force, f"{action} request {request_id}", details,
                    stream=ctx.printer.prompt_stream)
        else:  # with the nonce of this session
            review = _saved_review(Path(args.input_file).expanduser(), request_id, review.nonce)
        return _act(ctx, certs, request_id, action, review)

    run.__doc__ = f"{ACTIONS[action][1]} (review it for the nonce, then {action} it)."
    return run
