"""``pki client-*``: the client's own NSS database, as the Java CLI's client commands.

- ``client-init`` creates the database in-process (NSS itself writes the files), with the
  password from ``-c``/``-C``/``-f``, else one typed twice on the terminal (no echo), else
  none, and says when it is created without one;
- ``client-cert-find`` lists it (no server involved), like ``certutil -L``: the nickname to
  pass to ``-n``, subject, issuer, serial number, validity and trust flags. As in the Java
  CLI, the default lists every certificate, ``--ca`` only CA certificates (``--all``, the
  default, is kept for scripts written for earlier versions);
- ``client-cert-import`` imports a certificate (``--cert``, trust ``u,u,u`` by default), a CA
  certificate (``--ca-cert``, ``CT,C,C``) or a PKCS #12 file (``--pkcs12``) with NSS's own
  PKCS #12 code; ``client-cert-del``, ``client-cert-mod --trust`` and ``client-cert-show``;
- ``client-cert-request`` makes a key inside the database and a PKCS #10 request signed
  there, writes it to ``--csr-file`` or submits it to the CA's enrollment profile.

Everything runs on ``pki.nssdb.NSSDatabase``: no certutil, pk12util or Java, and no password
in any file.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pki._certdata import load_certs
from pki.cli.context import CLIContext, CLIError, add_command, confirm, stdin_is_tty, warn
from pki.cli.ids import dogtag_id
from pki.cli.output import Record, java_dn
from pki.nssdb import CertInfo, NSSDatabase, read_password_file, read_pkcs12_password

_DB_FILES = {
    "sql": ("cert9.db", "key4.db", "pkcs11.txt"),
    "dbm": ("cert8.db", "key3.db", "secmod.db"),
}


def register(subparsers: Any) -> None:
    init = add_command(subparsers, "client-init", "Create the client NSS database", init_db)
    init.add_argument("--force", action="store_true", help="replace an existing database")

    parser = add_command(
        subparsers, "client-cert-find", "List certificates in the client NSS database", find
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--ca", action="store_true", help="list CA certificates")
    which.add_argument("--all", action="store_true", help="list every certificate (default)")

    imp = add_command(
        subparsers, "client-cert-import", "Import certificates into the client NSS database",
        import_cert,
    )
    imp.add_argument("cert_nickname", nargs="?", metavar="NICKNAME",
                     help="nickname (default: -n); CA certificates get NSS's own if none")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--cert", metavar="FILE", help="certificate file (PEM or DER) to import")
    source.add_argument("--ca-cert", metavar="FILE", help="CA certificate file to import")
    source.add_argument("--pkcs12", metavar="FILE", help="PKCS #12 file to import")
    source.add_argument("--pkcs7", metavar="FILE",
                        help="deprecated: PKCS #7 chain to import (CAs, then NICKNAME's)")
    source.add_argument("--serial", metavar="SERIAL", type=dogtag_id("serial number"),
                        help="serial number of a certificate to fetch from the CA (-U)")
    imp.add_argument("--trust", metavar="FLAGS",
                     help="trust flags (default: u,u,u for --cert and --serial, CT,C,C for "
                     "--ca-cert)")
    _pkcs12_password_options(imp)

    delete = add_command(
        subparsers, "client-cert-del", "Remove a certificate from the client NSS database",
        delete_cert,
    )
    delete.add_argument("cert_nickname", metavar="NICKNAME")

    mod = add_command(
        subparsers, "client-cert-mod", "Modify a certificate in the client NSS database",
        modify_cert,
    )
    mod.add_argument("cert_nickname", metavar="NICKNAME")
    mod.add_argument("--trust", metavar="FLAGS", default="u,u,u",
                     help="trust flags (default: u,u,u)")

    show = add_command(
        subparsers, "client-cert-show", "Show a certificate in the client NSS database",
        show_cert,
    )
    show.add_argument("cert_nickname", metavar="NICKNAME")
    show.add_argument("--cert", metavar="FILE", help="PEM file to store the certificate in")
    show.add_argument("--pkcs12", metavar="FILE",
                      help="PKCS #12 file to store the certificate chain and private key in")
    _pkcs12_password_options(show)

    request = add_command(
        subparsers, "client-cert-request",
        "Create a key in the client NSS database and request a certificate for it",
        request_cert,
    )
    request.add_argument("subject", nargs="?", metavar="SUBJECT",
                         help="subject DN, e.g. 'UID=jdoe,O=EXAMPLE' (default: UID=--username)")
    request.add_argument("--username", help="user name, for the default subject UID=<name>")
    request.add_argument("--type", default="pkcs10", choices=("pkcs10",),
                         help="request type (default: pkcs10)")
    request.add_argument("--algorithm", default="rsa", type=str.lower, choices=("rsa", "ec"),
                         help="key algorithm (default: rsa)")
    request.add_argument("--length", type=int, default=2048,
                         help="RSA key length (default: 2048)")
    request.add_argument("--curve", default="nistp256",
                         help="EC curve: nistp256 (default), nistp384, nistp521")
    request.add_argument("--csr-file", metavar="FILE",
                         help="write the request there instead of submitting it")
    request.add_argument("--profile",
                         help="enrollment profile (default: caUserCert, caECUserCert for EC)")
    request.add_argument("--issuer-id", metavar="ID",
                         help="lightweight CA to submit to (default: host CA)")


def _pkcs12_password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pkcs12-password", metavar="PASSWORD", help="PKCS #12 password")
    group.add_argument("--pkcs12-password-file", metavar="FILE",
                       help="file whose first line is the PKCS #12 password")


# -- listing -----------------------------------------------------------------------------------


def _is_ca(info: CertInfo) -> bool:
    if info.is_tls_anchor:
        return True
    try:
        constraints = info.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return bool(constraints.value.ca)


def _select(certs: list[CertInfo], args: argparse.Namespace) -> list[CertInfo]:
    """Every certificate (the Java CLI's ``getPermCerts``), or with ``--ca`` the CA ones."""
    if args.ca:
        return [c for c in certs if _is_ca(c)]
    return certs


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
    elif not certs:
        ctx.printer.message("No certificates found")
    else:
        ctx.printer.listing([_record(c) for c in certs], f"{len(certs)} certificate(s) found")
    return 0


# -- client-init -------------------------------------------------------------------------------


def _new_password(ctx: CLIContext) -> str | None:
    """The new database's password: from the options, else asked twice on the terminal."""
    if ctx.password is not None:
        return str(ctx.password)
    if ctx.password_file is not None:
        password = read_password_file(ctx.password_file)
        if password is None:
            raise CLIError(f"{ctx.password_file} has no 'internal=' password")
        return str(password)
    if not stdin_is_tty():
        return None
    first = getpass.getpass("New password for the NSS database (empty for none): ")
    if not first:
        return None
    if getpass.getpass("Re-enter password: ") != first:
        raise CLIError("the passwords do not match: nothing created")
    return first


def init_db(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Create an empty NSS database at ``-d`` (or the pki.conf default), in-process."""
    db_type, _, directory = ctx.nssdb_spec.partition(":")
    path = Path(directory)
    existing = [path / name for name in _DB_FILES[db_type] if (path / name).exists()]
    if existing:
        confirm(
            f"NSS database already exists in {path}. Overwrite",
            args.force,
            "replace it",
        )
    password = _new_password(ctx)
    for old in existing:
        old.unlink()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    NSSDatabase(ctx.nssdb_spec, password=password).create()
    if ctx.printer.is_json:
        ctx.printer.json({"nssdb": ctx.nssdb_spec, "passwordProtected": password is not None})
    else:
        ctx.printer.message("Client initialized")
        ctx.printer.record([
            ("NSS database", ctx.nssdb_spec),
            ("Password", None if password is not None
             else "none (the database was created without a password)"),
        ])
    return 0


# -- certificates ------------------------------------------------------------------------------


def _pkcs12_password(args: argparse.Namespace) -> str:
    if args.pkcs12_password is not None:
        return str(args.pkcs12_password)
    if args.pkcs12_password_file is not None:
        return read_pkcs12_password(None, Path(args.pkcs12_password_file).expanduser())
    raise CLIError("Missing PKCS #12 password: use --pkcs12-password-file FILE")


def _imported(ctx: CLIContext, entries: list[CertInfo], message: str) -> int:
    if ctx.printer.is_json:
        ctx.printer.json({"total": len(entries), "entries": [_json(e) for e in entries]})
    else:
        ctx.printer.line(message)
    return 0


def import_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Import a certificate, a CA certificate or a PKCS #12 file."""
    db = ctx.nssdb()
    nickname = args.cert_nickname or ctx.nickname
    before = {c.der for c in db.list_certs()}
    if args.serial:
        return _import_from_ca(ctx, db, nickname, args)
    if args.pkcs7:
        warn("The --pkcs7 option has been deprecated: use pki pkcs7-import --pkcs7 FILE")
        db.import_pkcs7(pkcs7_file=args.pkcs7, nickname=nickname, trust_attributes=args.trust)
        added = [c for c in db.list_certs() if c.der not in before]
        return _imported(ctx, added, f"Imported certificates from PKCS #7 file {args.pkcs7}")
    if args.cert:
        if not nickname:
            raise CLIError("Missing certificate nickname: give NICKNAME or -n")
        db.add_cert(nickname, cert_file=args.cert, trust_attributes=args.trust or "u,u,u")
    elif args.ca_cert:
        trust = args.trust or "CT,C,C"
        if nickname:
            db.add_cert(nickname, cert_file=args.ca_cert, trust_attributes=trust)
        else:
            db.add_ca_cert(cert_file=args.ca_cert, trust_attributes=trust)
    else:
        db.import_pkcs12(args.pkcs12, pkcs12_password=_pkcs12_password(args))
        added = [c for c in db.list_certs() if c.der not in before]
        return _imported(ctx, added, "Imported certificates from PKCS #12 file")
    path = args.cert or args.ca_cert
    certs = load_certs(Path(path).read_bytes(), path)
    der = certs[0].public_bytes(Encoding.DER)
    entries = [c for c in db.list_certs() if c.der == der]
    name = entries[0].nickname if entries else nickname
    return _imported(ctx, entries, f'Imported certificate "{name}"')


def _import_from_ca(
    ctx: CLIContext, db: NSSDatabase, nickname: str | None, args: argparse.Namespace
) -> int:
    """``--serial``: fetch the certificate from the CA anonymously, as the Java CLI does (the
    certificate to import may be ``-n``'s own, not in the database yet), and import it."""
    from pki.cert import CertClient

    if not nickname:
        raise CLIError("Missing certificate nickname: give NICKNAME or -n")
    ctx.nickname = ctx.username = None  # anonymous: trust anchors only
    cert = CertClient(ctx.client()).get_cert(args.serial)
    if not cert.encoded:
        raise CLIError(f"the CA sent no certificate for serial {args.serial}")
    db.add_cert(nickname, cert_data=cert.encoded, trust_attributes=args.trust or "u,u,u")
    der = x509.load_pem_x509_certificate(cert.encoded.encode("ascii")).public_bytes(
        Encoding.DER)
    entries = [c for c in db.list_certs() if c.der == der]
    return _imported(ctx, entries, f'Imported certificate "{nickname}"')


def delete_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Remove every certificate of that nickname (its key stays, as with the Java CLI)."""
    ctx.nssdb().remove_cert(args.cert_nickname)
    if ctx.printer.is_json:
        ctx.printer.json({"nickname": args.cert_nickname, "removed": True})
    else:
        ctx.printer.message(f'Removed certificate "{args.cert_nickname}"')
    return 0


def modify_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Replace a certificate's trust flags."""
    db = ctx.nssdb()
    db.modify_cert(args.cert_nickname, args.trust)
    entry = db.get_cert_entry(args.cert_nickname)
    if ctx.printer.is_json:
        ctx.printer.json(_json(entry))
    else:
        ctx.printer.message(f'Modified certificate "{args.cert_nickname}"')
        ctx.printer.record([("Trust Flags", entry.trust_flags)])
    return 0


def show_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Show a certificate; ``--cert`` writes its PEM, ``--pkcs12`` exports it with its key."""
    db = ctx.nssdb()
    entry = db.get_cert_entry(args.cert_nickname)
    if args.pkcs12:
        db.export_pkcs12(
            args.pkcs12, pkcs12_password=_pkcs12_password(args), nicknames=[args.cert_nickname]
        )
    if args.cert:
        Path(args.cert).write_bytes(entry.certificate.public_bytes(Encoding.PEM))
    if ctx.printer.is_json:
        ctx.printer.json(_json(entry))
    elif not (args.cert or args.pkcs12):
        ctx.printer.record(_record(entry))
    return 0


# -- client-cert-request -------------------------------------------------------------------------


def request_cert(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Make the key in the database, a PKCS #10 request signed there, and write or submit it."""
    subject = args.subject or (f"UID={args.username}" if args.username else None)
    if not subject:
        raise CLIError("Missing subject DN or request username")
    csr_pem = ctx.nssdb().create_csr(
        subject, key_type=args.algorithm,
        key_size=args.length if args.algorithm == "rsa" else None,
        curve=args.curve if args.algorithm == "ec" else None,
    )
    if args.csr_file is None:
        return _submit(ctx, args, csr_pem.decode("ascii"))
    Path(args.csr_file).write_bytes(csr_pem)
    csr = x509.load_pem_x509_csr(csr_pem)
    if ctx.printer.is_json:
        ctx.printer.json(
            {"subjectDN": subject, "csrFile": args.csr_file, "csr": csr_pem.decode("ascii")}
        )
    else:
        ctx.printer.message("Created certificate request")
        ctx.printer.record([
            ("Subject DN", java_dn(csr.subject)), ("CSR file", args.csr_file),
        ])
    return 0


def _submit(ctx: CLIContext, args: argparse.Namespace, csr_pem: str) -> int:
    from pki.cert import CertClient
    from pki.cli.ca_cert_request import print_submission

    profile = args.profile or ("caECUserCert" if args.algorithm == "ec" else "caUserCert")
    certs = CertClient(ctx.client())
    request = certs.create_enrollment_request(
        profile, {"cert_request_type": args.type, "cert_request": csr_pem}
    )
    return print_submission(
        ctx, list(certs.submit_enrollment_request(request, authority=args.issuer_id))
    )

