"""``pki client-init`` and ``pki client-cert-find``: the client's own NSS database.

``client-init`` creates the database with NSS's ``certutil -N`` (the library reads NSS
databases but does not create them), with the password from ``-c``/``-C``/``-f`` or none.
``client-cert-find`` reads it locally (no server involved), like ``certutil -L``, with what
admins look for: the nickname to pass to ``-n``, subject, issuer, serial number, validity and
trust flags. As in the Java CLI, the default lists user certificates (those with a private
key); ``--ca`` lists CA certificates and ``--all`` everything.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cryptography import x509

from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.output import Record
from pki.nssdb import CertInfo, read_password_file

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
        ctx.printer.listing([_record(c) for c in certs], f"{len(certs)} entries found")
    return 0


def _password_for_init(ctx: CLIContext) -> str | None:
    if ctx.password is not None:
        return str(ctx.password)
    if ctx.password_file is not None:
        password = read_password_file(ctx.password_file)
        if password is None:
            raise CLIError(f"{ctx.password_file} has no 'internal=' password")
        return str(password)
    return None


def init_db(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Create an empty NSS database (``certutil -N``) at ``-d`` or the pki.conf default."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise CLIError("certutil not found: install NSS's tools (libnss3-tools or nss-tools)")
    db_type, _, directory = ctx.nssdb_spec.partition(":")
    path = Path(directory)
    existing = [path / name for name in _DB_FILES[db_type] if (path / name).exists()]
    if existing and not args.force:
        raise CLIError(f"NSS database {ctx.nssdb_spec} already exists: pass --force to replace it")
    for old in existing:
        old.unlink()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    password = _password_for_init(ctx)
    command = [certutil, "-N", "-d", ctx.nssdb_spec]
    if password is None:
        command.append("--empty-password")
    else:
        command += ["-f", "/dev/stdin"]  # the password goes through a pipe, never a file
    done = subprocess.run(
        command,
        input=None if password is None else password + "\n",
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CLIError(f"certutil -N failed: {(done.stderr or done.stdout).strip()}")
    if ctx.printer.is_json:
        ctx.printer.json({"nssdb": ctx.nssdb_spec, "passwordProtected": password is not None})
    else:
        ctx.printer.message("Client initialized")
        ctx.printer.record([("NSS database", ctx.nssdb_spec)])
    return 0
