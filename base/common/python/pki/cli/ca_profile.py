"""``pki ca-profile-*`` (profile administration) and ``ca-cert-request-profile-*``
(enrollment templates).

Options and output as the Java CLI's ``ProfileCLI`` (``printProfileDataInfo``,
``printProfile``, ``printEnrollmentTemplate``), its ``find``, ``show``, ``add``, ``mod``,
``enable``, ``disable`` and ``del`` commands, and ``CACertRequestProfileFindCLI`` /
``CACertRequestProfileShowCLI``. Deleting asks nothing, as in the Java CLI.

Profile files: ``--raw`` reads and writes the profile's configuration (``key=value`` lines,
which must name the ``profileId``), exactly as the server keeps it. Without ``--raw`` a
profile file is the server's JSON (``ca-profile-show --output FILE`` writes it,
``ca-profile-add``/``-mod FILE`` read it), where the Java CLI uses the XML form. An
enrollment template saved with ``ca-cert-request-profile-show --output`` is JSON too, and
``ca-cert-issue --input-file`` reads it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pki.cert import CertClient, CertEnrollmentRequest
from pki.cli import family
from pki.cli.context import CLIContext, CLIError, add_command
from pki.cli.family import Action
from pki.cli.output import Record, java_string
from pki.profile import (
    Profile,
    ProfileClient,
    ProfileDataInfo,
    ProfileInput,
    ProfileOutput,
)

_PROFILE_ID = re.compile(r"^[ \t\f]*profileId(?:[ \t\f]*[=:][ \t\f]*|[ \t\f]+)(.*?)\s*$",
                         re.MULTILINE)


# -- records ---------------------------------------------------------------------------------


def profile_info_record(info: ProfileDataInfo) -> Record:
    """A list entry as ``ProfileCLI.printProfileDataInfo`` prints it."""
    return [
        ("Profile ID", java_string(info.profile_id)),
        ("Name", java_string(info.profile_name)),
        ("Description", java_string(info.profile_description)),
    ]


def _inputs_outputs(
    inputs: list[ProfileInput], outputs: list[ProfileOutput], prefix: tuple[str, str]
) -> Record:
    """The inputs and outputs with their attributes, each block after a blank line, as
    ``printProfile`` (``Input Name``/``Output Name``) and ``printEnrollmentTemplate``
    (``Name``) print them."""
    lines: list[tuple[str, Any] | str] = []
    blocks: list[tuple[str, Any]] = [(prefix[0], i) for i in inputs]
    blocks += [(prefix[1], o) for o in outputs]
    for label, block in blocks:
        lines += ["", (f"{label}Name", java_string(block.name)),
                  (f"{label}Class", java_string(block.class_id))]
        for attribute in block.attributes:
            descriptor = attribute.descriptor
            lines += [
                "",
                ("  Attribute Name", java_string(attribute.name)),
                ("  Attribute Description",
                 java_string(descriptor.description if descriptor else None)),
                ("  Attribute Syntax", java_string(descriptor.syntax if descriptor else None)),
            ]
    return lines


def profile_record(profile: Profile) -> Record:
    """A profile as ``ProfileCLI.printProfile`` prints it."""
    return [
        ("Profile ID", java_string(profile.profile_id)),
        ("Name", java_string(profile.name)),
        ("Description", java_string(profile.description)),
        *_inputs_outputs(profile.inputs, profile.outputs, ("Input ", "Output ")),
    ]


def template_record(template: CertEnrollmentRequest) -> Record:
    """An enrollment template as ``ProfileCLI.printEnrollmentTemplate`` prints it."""
    return [
        ("Profile ID", java_string(template.profile_id)),
        ("Renewal", java_string(bool(template.renewal))),
        *_inputs_outputs(template.inputs, template.outputs, ("", "")),
    ]


# -- files -------------------------------------------------------------------------------------


def _save_json(path: str, data: Any) -> None:
    Path(path).expanduser().write_text(
        json.dumps(data.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def raw_profile_id(path: str) -> tuple[str, str]:
    """``(configuration text, profileId)`` of a raw profile file; as the Java CLI, a file
    without ``profileId`` is refused before anything is sent."""
    text = Path(path).expanduser().read_text(encoding="utf-8")
    match = _PROFILE_ID.search(text)
    if match is None or not match.group(1):
        raise CLIError(f"{path}: Missing profileId property in profile data.")
    return text, match.group(1)


def _write_raw(text: str) -> None:
    sys.stdout.write(text)
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")


# -- commands ----------------------------------------------------------------------------------


def _java_boolean(value: str | None) -> bool | None:
    """``Boolean.valueOf``: only ``true`` (any case) is true."""
    return None if value is None else value.strip().lower() == "true"


def find_profiles(ctx: CLIContext, args: argparse.Namespace) -> int:
    """List profiles, filtered by visibility, state and enabling agent as the server does."""
    found = ProfileClient(ctx.client()).list_profiles(
        args.start,
        args.size,
        visible=_java_boolean(args.visible),
        enable=_java_boolean(args.enable),
        enable_by=args.enableBy,
    )
    ctx.printer.found(found, profile_info_record)
    return 0


def show_profile(ctx: CLIContext, args: argparse.Namespace) -> int:
    profiles = ProfileClient(ctx.client())
    saved = f"Saved profile {args.profile_id} to {args.output}"
    if args.raw:
        text = profiles.get_profile(args.profile_id, raw=True)
        if args.output:
            Path(args.output).expanduser().write_text(text, encoding="utf-8")
            ctx.printer.message(saved)
        else:
            _write_raw(text)
        return 0
    if not ctx.printer.is_json:
        ctx.printer.message(f'Profile "{args.profile_id}"')
    profile = profiles.get_profile(args.profile_id)
    if args.output:
        _save_json(args.output, profile)
        ctx.printer.result(saved, profile)
    else:
        ctx.printer.result(None, profile, profile_record)
    return 0


def _add_or_modify(ctx: CLIContext, args: argparse.Namespace, modify: bool) -> int:
    profiles = ProfileClient(ctx.client())
    verb = "Modified" if modify else "Added"
    if args.raw:
        text, profile_id = raw_profile_id(args.file)
        if modify:
            answer = profiles.modify_profile(text, profile_id, raw=True)
        else:
            answer = profiles.create_profile(text, raw=True)
        _write_raw(answer)
        if not ctx.printer.is_json:
            ctx.printer.message(f"{verb} profile {profile_id}")
        return 0
    path = str(Path(args.file).expanduser())
    if modify:
        profile = profiles.modify_profile_from_file(path)
    else:
        profile = profiles.create_profile_from_file(path)
    ctx.printer.result(f"{verb} profile {profile.profile_id}", profile, profile_record)
    return 0


def add_profile(ctx: CLIContext, args: argparse.Namespace) -> int:
    return _add_or_modify(ctx, args, modify=False)


def modify_profile(ctx: CLIContext, args: argparse.Namespace) -> int:
    return _add_or_modify(ctx, args, modify=True)


def show_template(ctx: CLIContext, args: argparse.Namespace) -> int:
    template = CertClient(ctx.client()).get_enrollment_template(args.profile_id)
    if not ctx.printer.is_json:
        ctx.printer.message(f'Enrollment Template for Profile "{args.profile_id}"')
    if args.output:
        _save_json(args.output, template)
        saved = f"Saved enrollment template for {template.profile_id} to {args.output}"
        ctx.printer.result(saved, template)
    else:
        ctx.printer.result(None, template, template_record)
    return 0


def _delete(profiles: ProfileClient, profile_id: str) -> None:
    profiles.delete_profile(profile_id)  # its answer is the bodiless HTTP response


STATE_ACTIONS = (
    Action("enable", "Enable profiles",
           lambda profiles, a: profiles.enable_profile(a.profile_id), ("PROFILE_ID",),
           'Enabled profile "{profile_id}"'),
    Action("disable", "Disable profiles",
           lambda profiles, a: profiles.disable_profile(a.profile_id), ("PROFILE_ID",),
           'Disabled profile "{profile_id}"'),
    Action("del", "Remove profiles", lambda profiles, a: _delete(profiles, a.profile_id),
           ("PROFILE_ID",), 'Deleted profile "{profile_id}"'),
)


def register(subparsers: Any) -> None:
    find = add_command(subparsers, "ca-profile-find", "Find profiles", find_profiles)
    family.add_paging(find)
    find.add_argument("--visible", metavar="true/false", help="only profiles with this "
                      "visibility")
    find.add_argument("--enable", metavar="true/false", help="only enabled (or disabled) "
                      "profiles")
    find.add_argument("--enableBy", metavar="USER", help="only profiles enabled by USER")

    show = add_command(subparsers, "ca-profile-show", "Show profiles", show_profile)
    show.add_argument("profile_id", metavar="PROFILE_ID")
    show.add_argument("--output", metavar="FILE", help="save the profile to FILE")
    show.add_argument("--raw", action="store_true", help="the raw configuration")

    for name, description, func in (
        ("add", "Add profiles", add_profile), ("mod", "Modify profiles", modify_profile)
    ):
        parser = add_command(subparsers, f"ca-profile-{name}", description, func)
        parser.add_argument("file", metavar="FILE", help="the profile (JSON, or raw)")
        parser.add_argument("--raw", action="store_true", help="FILE is the raw configuration")

    family.register(
        subparsers, lambda ctx, a: ProfileClient(ctx.client()), STATE_ACTIONS, "ca-profile-"
    )

    family.register(
        subparsers,
        lambda ctx, a: CertClient(ctx.client()),
        [Action("ca-cert-request-profile-find", "List Enrollment templates",
                lambda certs, a: certs.list_enrollment_templates(a.start, a.size),
                record=profile_info_record, paging=True)],
    )
    show_template_parser = add_command(
        subparsers, "ca-cert-request-profile-show", "Get Enrollment template", show_template
    )
    show_template_parser.add_argument("profile_id", metavar="PROFILE_ID")
    show_template_parser.add_argument("--output", metavar="FILE",
                                      help="save the template (JSON) to FILE")
