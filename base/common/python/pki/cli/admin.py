"""``pki ca-user-*``, ``ca-group-*`` and their ``kra-`` twins: users, their certificates and
group memberships, groups and their members (an administrator's commands).

Options and output as the Java CLI's ``UserCLI`` (``printUser``), ``UserCertCLI``
(``printCert``), ``UserMembershipCLI``, ``GroupCLI`` (``printGroup``), ``GroupMemberCLI``
and their ``find``/``show``/``add``/``mod``/``del`` commands. Deleting asks nothing, as in
the Java CLI. The same commands exist for the CA and the KRA: each subsystem keeps its own
users and groups.

``user-add --security-domain`` (adding a user through another subsystem's installer
session) is the Java CLI's only: given that option, the command runs there.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.cert import CertClient
from pki.cli import family
from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.family import Action
from pki.cli.ids import dogtag_id
from pki.cli.output import Record, java_string
from pki.group import GroupClient, GroupData
from pki.resource import hex_id
from pki.user import UserCertData, UserClient, UserCollection, UserData, UserMembershipData

SUBSYSTEMS = ("ca", "kra")


# -- records ---------------------------------------------------------------------------------


def user_record(user: UserData) -> Record:
    """A user as ``UserCLI.printUser`` prints it (empty fields left out)."""
    record: list[tuple[str, Any] | str] = [
        ("User ID", java_string(user.id or user.user_id)),
        ("Full name", user.full_name),
        ("Email", user.email),
        ("Phone", user.phone),
        ("Type", user.type),
        ("State", user.state),
    ]
    profiles = (user.attributes or {}).get("tpsProfiles")
    if profiles is not None:
        record += ["  TPS Profiles:", *(f"    {p}" for p in str(profiles).split(","))]
    return record


def user_cert_record(cert: UserCertData) -> Record:
    """A user certificate as ``UserCertCLI.printCert`` prints it."""
    serial = cert.serial_number
    return [
        ("Cert ID", java_string(cert.cert_id)),
        ("Version", java_string(cert.version)),
        ("Serial Number", hex_id(serial) if serial is not None else "null"),
        ("Issuer", java_string(cert.issuer_dn)),
        ("Subject", java_string(cert.subject_dn)),
    ]


def membership_record(membership: UserMembershipData) -> Record:
    return [("Group", java_string(membership.group_id))]


def group_record(group: GroupData) -> Record:
    """A group as ``GroupCLI.printGroup`` prints it."""
    return [
        ("Group ID", java_string(group.id or group.group_id)),
        ("Description", group.description),
    ]


def member_record(member: Any) -> Record:
    return [("User", java_string(member.member_id))]


# -- calls that take more than one client method ------------------------------------------------


def _read_cert(path: str, cert_format: str) -> str:
    """The PEM text of a PEM or DER certificate file (checked to be a certificate)."""
    data = Path(path).expanduser().read_bytes()
    try:
        if cert_format == "DER":
            cert = x509.load_der_x509_certificate(data)
        else:
            cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CLIError(f"{path} holds no {cert_format} certificate") from None
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _add_user(users: UserClient, args: argparse.Namespace) -> UserData:
    full_name = args.full_name or args.fullName
    if not full_name:
        raise CLIError("Missing full name: pass --full-name", exit_code=2)
    cert = _read_cert(args.cert_file, args.format) if args.cert_file else None
    user = users.add_user(UserData(
        user_id=args.user_id, full_name=full_name, email=args.email, password=args.new_password,
        phone=args.phone, type=args.type, state=args.state,
    ))
    if cert is not None:
        users.add_user_cert(args.user_id, cert)
    return user


def _modify_user(users: UserClient, args: argparse.Namespace) -> UserData:
    changes = UserData(
        id=args.user_id, full_name=args.fullName, email=args.email, password=args.new_password,
        phone=args.phone, state=args.state,
    )
    return users.modify_user(args.user_id, changes)


def _find_users(users: UserClient, args: argparse.Namespace) -> UserCollection:
    return UserCollection.from_json(users.find_users(args.filter, args.start, args.size))


USER_ACTIONS = (
    Action("user-find", "Find users", _find_users, ("[FILTER]",), record=user_record,
           paging=True),
    Action("user-show", "Show user", lambda users, a: users.get_user(a.user_id), ("USER_ID",),
           'User "{user_id}"', user_record),
    Action("user-add", "Add user", _add_user, ("USER_ID",), 'Added user "{user_id}"',
           user_record),
    Action("user-mod", "Modify user", _modify_user, ("USER_ID",), 'Modified user "{user_id}"',
           user_record),
    Action("user-del", "Remove user", lambda users, a: users.remove_user(a.user_id),
           ("USER_ID",), 'Deleted user "{user_id}"'),
    Action("user-cert-find", "Find user certificates",
           lambda users, a: users.find_user_certs(a.user_id, a.start, a.size), ("USER_ID",),
           record=user_cert_record, paging=True),
    Action("user-cert-del", "Remove user certificate",
           lambda users, a: users.remove_user_cert(a.user_id, a.cert_id),
           ("USER_ID", "CERT_ID"), 'Deleted certificate "{cert_id}"'),
    Action("user-membership-find", "Find user memberships",
           lambda users, a: users.find_user_memberships(a.user_id, a.filter, a.start, a.size),
           ("USER_ID", "[FILTER]"), record=membership_record, paging=True),
    Action("user-membership-add", "Add user membership",
           lambda users, a: users.add_user_membership(a.user_id, a.group_id),
           ("USER_ID", "GROUP_ID"), 'Added membership in "{group_id}"', membership_record),
    Action("user-membership-del", "Remove user membership",
           lambda users, a: users.remove_user_membership(a.user_id, a.group_id),
           ("USER_ID", "GROUP_ID"), 'Deleted membership in group "{group_id}"'),
)

GROUP_ACTIONS = (
    Action("group-find", "Find groups",
           lambda groups, a: groups.find_groups(a.filter, a.start, a.size), ("[FILTER]",),
           record=group_record, paging=True),
    Action("group-show", "Show group", lambda groups, a: groups.get_group(a.group_id),
           ("GROUP_ID",), 'Group "{group_id}"', group_record),
    Action("group-add", "Add group",
           lambda groups, a: groups.add_group(
               GroupData(group_id=a.group_id, description=a.description)),
           ("GROUP_ID",), 'Added group "{group_id}"', group_record),
    Action("group-mod", "Modify group",
           lambda groups, a: groups.modify_group(
               a.group_id, GroupData(id=a.group_id, description=a.description)),
           ("GROUP_ID",), 'Modified group "{group_id}"', group_record),
    Action("group-del", "Remove group", lambda groups, a: groups.remove_group(a.group_id),
           ("GROUP_ID",), 'Deleted group "{group_id}"'),
    Action("group-member-find", "Find group members",
           lambda groups, a: groups.find_group_members(a.group_id, a.filter, a.start, a.size),
           ("GROUP_ID", "[FILTER]"), record=member_record, paging=True),
    Action("group-member-show", "Show group member",
           lambda groups, a: groups.get_group_member(a.group_id, a.member_id),
           ("GROUP_ID", "MEMBER_ID"), 'Group member "{member_id}"', member_record),
    Action("group-member-add", "Add group member",
           lambda groups, a: groups.add_group_member(a.group_id, a.member_id),
           ("GROUP_ID", "MEMBER_ID"), 'Added group member "{member_id}"', member_record),
    Action("group-member-del", "Remove group member",
           lambda groups, a: groups.remove_group_member(a.group_id, a.member_id),
           ("GROUP_ID", "MEMBER_ID"), 'Deleted group member "{member_id}"'),
)


def _client_of(client_class: Any, sub: str) -> family.ClientFactory:
    def make(ctx: CLIContext, args: argparse.Namespace) -> Any:
        return client_class(ctx.client(), sub)

    return make


def register(subparsers: Any) -> None:
    for sub in SUBSYSTEMS:
        prefix = f"{sub}-"
        users = family.register(subparsers, _client_of(UserClient, sub), USER_ACTIONS, prefix)
        _user_options(users["user-add"], users["user-mod"])
        _register_user_cert_commands(subparsers, sub)
        groups = family.register(subparsers, _client_of(GroupClient, sub), GROUP_ACTIONS,
                                 prefix)
        for name in ("group-add", "group-mod"):
            groups[name].add_argument("--description", help="description")


def _user_options(add: argparse.ArgumentParser, modify: argparse.ArgumentParser) -> None:
    add.add_argument("--full-name", metavar="NAME", help="full name (required)")
    add.add_argument("--fullName", metavar="NAME", help="deprecated: use --full-name")
    modify.add_argument("--fullName", metavar="NAME", help="full name")
    for parser in (add, modify):
        parser.add_argument("--email", help="email")
        parser.add_argument(  # not "password": that is -c, the NSS database's
            "--password", dest="new_password", metavar="PASSWORD",
            help="the user's password (visible in the process list while it runs)",
        )
        parser.add_argument("--phone", help="phone")
        parser.add_argument("--state", help="state")
    add.add_argument("--type", help="type: userType, agentType, adminType, subsystemType")
    add.add_argument("--cert-file", metavar="PATH", help="the user's certificate")
    add.add_argument("--format", type=str.upper, choices=("PEM", "DER"), default="PEM",
                     help="certificate format (default: PEM)")


# -- user certificates: show (files, pretty print) and add (file or serial number) -----------


def _register_user_cert_commands(subparsers: Any, sub: str) -> None:
    def run_show(ctx: CLIContext, args: argparse.Namespace) -> int:
        return show_user_cert(ctx, args, sub)

    def run_add(ctx: CLIContext, args: argparse.Namespace) -> int:
        return add_user_cert(ctx, args, sub)

    show = add_command(subparsers, f"{sub}-user-cert-show", "Show user certificate", run_show)
    show.add_argument("user_id", metavar="USER_ID")
    show.add_argument("cert_id", metavar="CERT_ID")
    show.add_argument("--output", metavar="FILE", help="write the PEM certificate to FILE")
    show.add_argument("--pretty", action="store_true", help="pretty print")
    show.add_argument("--encoded", action="store_true", help="base-64 encoded")

    add = add_command(subparsers, f"{sub}-user-cert-add", "Add user certificate", run_add)
    add.add_argument("user_id", metavar="USER_ID")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", metavar="FILE", help="PEM certificate file")
    source.add_argument("--serial", help="serial number of the certificate in the CA",
                        type=dogtag_id("serial number"))


def show_user_cert(ctx: CLIContext, args: argparse.Namespace, sub: str) -> int:
    cert = UserClient(ctx.client(), sub).get_user_cert(args.user_id, args.cert_id)
    if args.output and cert.encoded is not None:
        with open(os.path.expanduser(args.output), "w", encoding="ascii") as f:
            f.write(cert.encoded)
    ctx.printer.result(f'Certificate "{cert.cert_id}"', cert, user_cert_record)
    if ctx.printer.is_json:
        return 0
    for wanted, text in ((args.pretty, cert.pretty_repr), (args.encoded, cert.encoded)):
        if wanted and text is not None:
            ctx.printer.line()
            ctx.printer.line(text)
    return 0


def add_user_cert(ctx: CLIContext, args: argparse.Namespace, sub: str) -> int:
    if args.input is not None:
        encoded = Path(args.input).expanduser().read_text(encoding="ascii")
    else:  # the CA's copy, as the Java CLI downloads it
        encoded = CertClient(ctx.client()).get_cert(args.serial).encoded or ""
    cert = UserClient(ctx.client(), sub).add_user_cert(args.user_id, encoded)
    ctx.printer.result(f'Added certificate "{cert.cert_id}"', cert, user_cert_record)
    return 0
