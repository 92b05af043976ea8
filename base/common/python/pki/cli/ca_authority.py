"""``pki ca-authority-*`` (lightweight CAs) and ``ca-feature-*`` (the CA's features).

Options and output as the Java CLI's ``AuthorityCLI`` (``printAuthorityData``),
``AuthorityFindCLI``, ``-Show``, ``-Create``, ``-Enable``, ``-Disable`` and ``-Remove``
(which asks ``Are you sure (Y/N)?`` unless ``--force``), and ``FeatureCLI``
(``printFeature``) with ``FeatureFindCLI`` and ``FeatureShowCLI``. Finding and showing are
anonymous; creating, enabling, disabling and deleting need an administrator, whose session
is opened first (as the Java CLI logs in), since the ``authorities`` resource takes the
caller from the session only.
"""

from __future__ import annotations

import argparse
from typing import Any

from pki.authority import AuthorityClient, AuthorityData
from pki.cli import family
from pki.cli.context import CLIContext, CLIError
from pki.cli.family import Action
from pki.cli.output import Record, aligned, java_string
from pki.feature import Feature, FeatureClient
from pki.resource import hex_id

#: the column the Java CLI starts these records' values in
_WIDTH = 16
HOST_AUTHORITY = "host-authority"


def authority_record(data: AuthorityData) -> Record:
    """An authority as ``AuthorityCLI.printAuthorityData`` prints it."""
    serial = getattr(data, "serial", None)
    return aligned([
        ("Host authority", "true" if data.is_host_authority else None),
        ("Authority DN", java_string(data.dn)),
        ("ID", java_string(data.aid)),
        ("Parent ID", data.parent_aid),
        ("Issuer DN", getattr(data, "issuerDN", None)),
        ("Serial no", hex_id(serial) if serial is not None else None),
        ("Enabled", java_string(data.enabled)),
        ("Ready to sign", java_string(getattr(data, "ready", None))),
        ("Description", data.description),
    ], _WIDTH)


def feature_record(feature: Feature) -> Record:
    """A feature as ``FeatureCLI.printFeature`` prints it."""
    return aligned([
        ("ID", java_string(feature.feature_id)),
        ("Description", feature.description),
        ("Version", feature.version),
        ("Enabled", java_string(feature.enabled)),
    ], _WIDTH)


# -- authority calls -------------------------------------------------------------------------


def _find(authorities: AuthorityClient, args: argparse.Namespace) -> Any:
    return authorities.list_cas(
        aid=args.id, parent_aid=args.parent_id, dn=args.dn, issuer_dn=args.issuer_dn
    )


def _show(authorities: AuthorityClient, args: argparse.Namespace) -> AuthorityData:
    if args.host_authority and args.id is not None:
        raise CLIError("Authority ID and --host-authority are mutually exclusive.", exit_code=2)
    if args.host_authority:
        return authorities.get_ca(HOST_AUTHORITY)
    if args.id is None:
        raise CLIError("No ID specified.", exit_code=2)
    return authorities.get_ca(args.id)


def _create(authorities: AuthorityClient, args: argparse.Namespace) -> AuthorityData:
    data = AuthorityData(dn=args.dn, parent_aid=args.parent, description=args.desc)
    return authorities.create_ca(data, description_required=False)  # --desc is optional


def _enable(authorities: AuthorityClient, args: argparse.Namespace) -> AuthorityData:
    authorities.enable_ca(args.id)
    return authorities.get_ca(args.id)


def _disable(authorities: AuthorityClient, args: argparse.Namespace) -> AuthorityData:
    authorities.disable_ca(args.id)
    return authorities.get_ca(args.id)


ANONYMOUS_ACTIONS = (
    Action("find", "Find CAs", _find, record=authority_record),
    Action("show", "Show CAs", _show, ("[ID]",), record=authority_record),
)
ADMIN_ACTIONS = (
    Action("create", "Create CAs", _create, ("DN",), record=authority_record),
    Action("disable", "Disable CAs", _disable, ("ID",), record=authority_record),
    Action("enable", "Enable CAs", _enable, ("ID",), record=authority_record),
    Action("del", "Delete Authority", lambda authorities, a: authorities.delete_ca(a.id),
           ("ID",), 'Deleted authority "{id}"', confirm=True),
)
FEATURE_ACTIONS = (
    Action("find", "Find features", lambda features, a: features.list_features(),
           record=feature_record),
    Action("show", "Show features", lambda features, a: features.get_feature(a.id), ("ID",),
           record=feature_record),
)


def _anonymous(ctx: CLIContext, args: argparse.Namespace) -> AuthorityClient:
    return AuthorityClient(ctx.client())


def _admin(ctx: CLIContext, args: argparse.Namespace) -> AuthorityClient:
    return AuthorityClient(ctx.login("ca"))


def register(subparsers: Any) -> None:
    prefix = "ca-authority-"
    anonymous = family.register(subparsers, _anonymous, ANONYMOUS_ACTIONS, prefix)
    find = anonymous["find"]
    find.add_argument("--id", help="authority ID (with --parent-id)")
    find.add_argument("--parent-id", metavar="ID", help="authority parent ID")
    find.add_argument("--dn", help="authority DN")
    find.add_argument("--issuer-dn", metavar="DN", help="authority issuer DN")
    anonymous["show"].add_argument(
        "--host-authority", action="store_true", help="show the host authority"
    )
    admin = family.register(subparsers, _admin, ADMIN_ACTIONS, prefix)
    admin["create"].add_argument("--parent", required=True, metavar="ID",
                                 help="ID of the parent CA")
    admin["create"].add_argument("--desc", metavar="TEXT", help="description")
    family.register(
        subparsers, lambda ctx, a: FeatureClient(ctx.client()), FEATURE_ACTIONS, "ca-feature-"
    )
