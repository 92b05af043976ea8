"""The enrollment profiles the test CA offers and their CertEnrollmentRequest templates.

A small subset of Dogtag's stock profiles. Every one needs an agent's approval, as
``caServerCert`` does on a real CA, so tests exercise the review → approve path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    profile_id: str
    name: str
    description: str
    usages: tuple[str, ...]  # certs.CA.sign EKU names
    days: int
    subject_input: bool = False  # caUserCert-style subject name fields
    cn_to_san: bool = False  # copy the subject CN into a DNS SAN (server profiles)


PROFILES: dict[str, Profile] = {
    p.profile_id: p
    for p in (
        Profile(
            "caServerCert",
            "Manual Server Certificate Enrollment",
            "This certificate profile is for enrolling server certificates.",
            ("server", "client"),
            720,
            cn_to_san=True,
        ),
        Profile(
            "caUserCert",
            "Manual User Dual-Use Certificate Enrollment",
            "This certificate profile is for enrolling user certificates.",
            ("client", "email"),
            180,
            subject_input=True,
        ),
        Profile(
            "caSubsystemCert",
            "Manual Subsystem Certificate Enrollment",
            "This certificate profile is for enrolling subsystem certificates.",
            ("client",),
            720,
        ),
        Profile(
            "caECServerCert",
            "Manual Server Certificate Enrollment using ECC",
            "This certificate profile is for enrolling server certificates using ECC.",
            ("server", "client"),
            720,
            cn_to_san=True,
        ),
        Profile(
            "caECUserCert",
            "Manual User Dual-Use ECC Certificate Enrollment",
            "This certificate profile is for enrolling user ECC certificates.",
            ("client", "email"),
            180,
            subject_input=True,
        ),
        Profile(
            "caAgentServerCert",
            "Agent-Approved Server Certificate Enrollment",
            "This certificate profile is for enrolling server certificates with agent "
            "authentication.",
            ("server",),
            720,
            cn_to_san=True,
        ),
    )
}


def _attribute(name: str, syntax: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "Value": "",
        "Descriptor": {"Syntax": syntax, "Description": description},
    }


def _input(input_id: str, class_id: str, name: str, attrs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": input_id,
        "ClassID": class_id,
        "Name": name,
        "Attribute": attrs,
        "ConfigAttribute": [],
    }


def template(profile: Profile) -> dict[str, Any]:
    """The CertEnrollmentRequest template of ``profile`` with empty ``Value``s."""
    inputs = [
        _input(
            "i1",
            "certReqInputImpl",
            "Certificate Request Input",
            [
                _attribute("cert_request_type", "cert_request_type", "Certificate Request Type"),
                _attribute("cert_request", "cert_request", "Certificate Request"),
            ],
        )
    ]
    if profile.subject_input:
        subject = [
            ("sn_uid", "UID"),
            ("sn_e", "Email"),
            ("sn_cn", "Common Name"),
            ("sn_ou3", "Organizational Unit 3"),
            ("sn_ou2", "Organizational Unit 2"),
            ("sn_ou1", "Organizational Unit 1"),
            ("sn_ou", "Organizational Unit"),
            ("sn_o", "Organization"),
            ("sn_c", "Country"),
        ]
        inputs.append(
            _input(
                f"i{len(inputs) + 1}",
                "subjectNameInputImpl",
                "Subject Name",
                [_attribute(n, "string", d) for n, d in subject],
            )
        )
    inputs.append(
        _input(
            f"i{len(inputs) + 1}",
            "submitterInfoInputImpl",
            "Requestor Information",
            [
                _attribute("requestor_name", "string", "Requestor Name"),
                _attribute("requestor_email", "string", "Requestor Email"),
                _attribute("requestor_phone", "string", "Requestor Phone"),
            ],
        )
    )
    return {
        "ProfileID": profile.profile_id,
        "Renewal": False,
        "Input": inputs,
        "Output": [],
    }
