"""Certificate profiles: their configuration, the stock ones, and their JSON shapes.

A profile *is* its configuration, kept exactly as Dogtag keeps it: the properties of a
``.cfg`` file (``name``, ``desc``, ``visible``, ``enable``, ``enableBy``,
``auth.instance_id``, ``input.*``, ``output.*``, ``policyset.*``) plus the profile's ID and
class ID. Everything else is derived from that one dict: the raw text (``GET .../raw``), the
11.x ``ProfileData`` JSON, the ``ProfileDataInfo`` list entries, the enrolment template and,
in ``policies``, what an issued certificate looks like. Profiles live in the store's
``profiles`` table, so a profile created, modified, disabled or deleted over REST stays so
across restarts.

The stock profiles are a small set modelled on Dogtag's own (``caServerCert``,
``caUserCert``, ``caSubsystemCert``, ``caECServerCert``, ``caECUserCert``,
``caAgentServerCert``, ``caCACert``) with the same policy classes and parameters, visibility
and enablement, written out here rather than copied. One deliberate deviation:
``caServerCert`` and ``caSubsystemCert`` accept EC keys as well as RSA (stock Dogtag's key
constraint is RSA-only), because the project's tests and demo enrol EC keys through them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pki.testing.dogtag import javaprops
from pki.testing.dogtag.errors import DogtagError, bad_request, not_found
from pki.testing.dogtag.store import Store

PROFILE_NOT_FOUND = "profile.ProfileNotFoundException"

# Plugin IDs of Dogtag's CA registry (registry.cfg): what a profile configuration may name.
PROFILE_CLASSES = frozenset(
    ("caEnrollImpl", "caCACertEnrollImpl", "caServerCertEnrollImpl", "caUserCertEnrollImpl")
)
INPUT_CLASSES = frozenset(
    """cmcCertReqInputImpl certReqInputImpl keyGenInputImpl encKeyGenInputImpl
    signKeyGenInputImpl dualKeyGenInputImpl subjectNameInputImpl submitterInfoInputImpl
    raClientAuthInfoInputImpl genericInputImpl fileSigningInputImpl imageInputImpl
    subjectDNInputImpl nsNKeyCertReqInputImpl nsHKeyCertReqInputImpl serialNumRenewInputImpl
    subjectAltNameExtInputImpl serverKeygenInputImpl""".split()
)
OUTPUT_CLASSES = frozenset(
    "certOutputImpl cmmfOutputImpl pkcs7OutputImpl nsNKeyOutputImpl pkcs12OutputImpl".split()
)
DEFAULT_CLASSES = frozenset(
    """noDefaultImpl genericExtDefaultImpl autoAssignDefaultImpl subjectNameDefaultImpl
    validityDefaultImpl randomizedValidityDefaultImpl caValidityDefaultImpl
    subjectKeyIdentifierExtDefaultImpl authorityKeyIdentifierExtDefaultImpl
    basicConstraintsExtDefaultImpl keyUsageExtDefaultImpl nsCertTypeExtDefaultImpl
    extendedKeyUsageExtDefaultImpl ocspNoCheckExtDefaultImpl issuerAltNameExtDefaultImpl
    subjectAltNameExtDefaultImpl userSubjectNameDefaultImpl cmcUserSignedSubjectNameDefaultImpl
    signingAlgDefaultImpl userKeyDefaultImpl userValidityDefaultImpl userExtensionDefaultImpl
    userSigningAlgDefaultImpl authTokenSubjectNameDefaultImpl subjectInfoAccessExtDefaultImpl
    authInfoAccessExtDefaultImpl nscCommentExtDefaultImpl freshestCRLExtDefaultImpl
    crlDistributionPointsExtDefaultImpl policyConstraintsExtDefaultImpl
    policyMappingsExtDefaultImpl nameConstraintsExtDefaultImpl certificateVersionDefaultImpl
    certificatePoliciesExtDefaultImpl subjectDirAttributesExtDefaultImpl
    privateKeyPeriodExtDefaultImpl inhibitAnyPolicyExtDefaultImpl imageDefaultImpl
    nsTokenDeviceKeySubjectNameDefaultImpl nsTokenUserKeySubjectNameDefaultImpl
    authzRealmDefaultImpl commonNameToSANDefaultImpl SignedCertificateTimestampListExtDefaultImpl
    sanToCNDefaultImpl serverKeygenUserKeyDefaultImpl""".split()
)
CONSTRAINT_CLASSES = frozenset(
    """noConstraintImpl subjectNameConstraintImpl uniqueSubjectNameConstraintImpl
    userSubjectNameConstraintImpl cmcSharedTokenSubjectNameConstraintImpl
    cmcUserSignedSubjectNameConstraintImpl raClientAuthSubjectNameConstraintImpl
    raHeaderClientCertSubjectNameConstraintImpl caValidityConstraintImpl
    validityConstraintImpl keyUsageExtConstraintImpl nsCertTypeExtConstraintImpl
    extendedKeyUsageExtConstraintImpl keyConstraintImpl basicConstraintsExtConstraintImpl
    extensionConstraintImpl signingAlgConstraintImpl uniqueKeyConstraintImpl
    renewGracePeriodConstraintImpl authzRealmConstraintImpl externalProcessConstraintImpl
    p12ExportPasswordConstraintImpl""".split()
)

# Authenticators (CS.cfg auths.instance.*) that accept agent certificates, by agent group.
AGENT_AUTHENTICATORS = {
    "AgentCertAuth": "Certificate Manager Agents",
    "raCertAuth": "Registration Manager Agents",
}

# Inputs and outputs: display name and attributes (name, syntax, description) per class.
_REQUEST_ATTRS = (
    ("cert_request_type", "cert_request_type", "Certificate Request Type"),
    ("cert_request", "cert_request", "Certificate Request"),
)
INPUTS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "certReqInputImpl": ("Certificate Request Input", _REQUEST_ATTRS),
    "keyGenInputImpl": ("Key Generation", _REQUEST_ATTRS),
    "subjectNameInputImpl": (
        "Subject Name",
        (
            ("sn_uid", "string", "UID"),
            ("sn_e", "string", "Email"),
            ("sn_cn", "string", "Common Name"),
            ("sn_ou3", "string", "Organizational Unit 3"),
            ("sn_ou2", "string", "Organizational Unit 2"),
            ("sn_ou1", "string", "Organizational Unit 1"),
            ("sn_ou", "string", "Organizational Unit"),
            ("sn_o", "string", "Organization"),
            ("sn_c", "string", "Country"),
        ),
    ),
    "submitterInfoInputImpl": (
        "Requestor Information",
        (
            ("requestor_name", "string", "Requestor Name"),
            ("requestor_email", "string", "Requestor Email"),
            ("requestor_phone", "string", "Requestor Phone"),
        ),
    ),
    "serialNumRenewInputImpl": (
        "Serial Number of Certificate to Renew",
        (("serial_num", "string", "Serial Number"),),
    ),
}
OUTPUTS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "certOutputImpl": (
        "Certificate Output",
        (
            ("pretty_cert", "pretty_print", "Certificate Pretty Print"),
            ("b64_cert", "pretty_print", "Certificate Base-64 Encoded"),
        ),
    ),
}


class InvalidProfile(ValueError):
    """A profile configuration Dogtag would refuse to load."""


def _truth(value: str | None) -> bool:
    return str(value).strip().lower() == "true"


def _ids(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@dataclass(frozen=True)
class Policy:
    """One policy of a policy set: a default and a constraint, each a class with params."""

    set_id: str
    policy_id: str
    default_class: str
    default_name: str
    default_params: dict[str, str]
    constraint_class: str
    constraint_name: str
    constraint_params: dict[str, str]


@dataclass
class Profile:
    """A profile: its ID, class ID and configuration properties (see the module docstring)."""

    profile_id: str
    class_id: str
    config: dict[str, str]

    # -- plain attributes ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.config.get("name", "")

    @property
    def description(self) -> str:
        return self.config.get("desc", "")

    @property
    def visible(self) -> bool:
        return _truth(self.config.get("visible"))

    @property
    def enabled(self) -> bool:
        return _truth(self.config.get("enable"))

    @property
    def enabled_by(self) -> str | None:
        return self.config.get("enableBy") or None

    @property
    def authenticator(self) -> str | None:
        return self.config.get("auth.instance_id") or None

    def inputs(self) -> list[tuple[str, str]]:
        """``(input ID, class ID)`` in ``input.list`` order."""
        return [
            (i, self.config.get(f"input.{i}.class_id", ""))
            for i in _ids(self.config.get("input.list"))
        ]

    def outputs(self) -> list[tuple[str, str]]:
        return [
            (o, self.config.get(f"output.{o}.class_id", ""))
            for o in _ids(self.config.get("output.list"))
        ]

    def policies(self) -> list[Policy]:
        """Every policy, set by set, in the order of the ``list`` properties."""
        result = []
        for set_id in _ids(self.config.get("policyset.list")):
            for pid in _ids(self.config.get(f"policyset.{set_id}.list")):
                prefix = f"policyset.{set_id}.{pid}."
                result.append(
                    Policy(
                        set_id,
                        pid,
                        self.config.get(prefix + "default.class_id", ""),
                        self.config.get(prefix + "default.name", ""),
                        self._params(prefix + "default.params."),
                        self.config.get(prefix + "constraint.class_id", ""),
                        self.config.get(prefix + "constraint.name", ""),
                        self._params(prefix + "constraint.params."),
                    )
                )
        return result

    def _params(self, prefix: str) -> dict[str, str]:
        return {k[len(prefix) :]: v for k, v in self.config.items() if k.startswith(prefix)}

    # -- checks ----------------------------------------------------------------------------

    def validate(self) -> None:
        """What building a throwaway profile checks: every class known, every list entry
        configured. Raises ``InvalidProfile``."""
        if self.class_id not in PROFILE_CLASSES:
            raise InvalidProfile(f"Unknown profile class ID: {self.class_id}")
        for iid, cls in self.inputs():
            if cls not in INPUT_CLASSES:
                raise InvalidProfile(f"Invalid input {iid} class ID: {cls or '(missing)'}")
        for oid, cls in self.outputs():
            if cls not in OUTPUT_CLASSES:
                raise InvalidProfile(f"Invalid output {oid} class ID: {cls or '(missing)'}")
        for p in self.policies():
            where = f"policy {p.set_id}.{p.policy_id}"
            if p.default_class not in DEFAULT_CLASSES:
                raise InvalidProfile(f"Invalid {where} default class ID: {p.default_class}")
            if p.constraint_class not in CONSTRAINT_CLASSES:
                raise InvalidProfile(f"Invalid {where} constraint class ID: {p.constraint_class}")

    # -- the JSON shapes -------------------------------------------------------------------

    def raw(self) -> str:
        """``GET .../raw``: the sorted properties with the virtual ``profileId``/``classId``."""
        return javaprops.render(
            {**self.config, "profileId": self.profile_id, "classId": self.class_id}
        )

    def info(self, url: str) -> dict[str, Any]:
        """``ProfileDataInfo`` (a ``profiles`` list entry); ``url`` is its ``profileURL``."""
        entry: dict[str, Any] = {
            "profileId": self.profile_id,
            "profileName": self.name,
            "profileDescription": self.description,
            "profileVisible": self.visible,
            "profileEnable": self.enabled,
            "profileEnableBy": self.enabled_by,
            "profileURL": url,
        }
        return {k: v for k, v in entry.items() if v is not None}

    def data(self) -> dict[str, Any]:
        """The 11.x ``ProfileData`` JSON (unannotated Jackson names, nulls omitted)."""
        data: dict[str, Any] = {
            "id": self.profile_id,
            "classId": self.class_id,
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "visible": self.visible,
            "enabledBy": self.enabled_by,
            "authenticatorId": self.authenticator,
            "authzAcl": self.config.get("authz.acl") or None,
            "renewal": _truth(self.config.get("renewal")),
            "xmloutput": _truth(self.config.get("xmlOutput")),
            "inputs": [_input_json(i, c) for i, c in self.inputs()],
            "outputs": [_output_json(o, c) for o, c in self.outputs()],
            "policySets": {},
        }
        for p in self.policies():
            data["policySets"].setdefault(p.set_id, []).append(_policy_json(p))
        return {k: v for k, v in data.items() if v is not None}

    def template(self) -> dict[str, Any]:
        """The ``CertEnrollmentRequest`` template: every input with empty ``Value``s."""
        inputs = []
        for iid, cls in self.inputs():
            item = _input_json(iid, cls)
            for attr in item["Attribute"]:
                attr["Value"] = ""
            inputs.append(item)
        return {
            "ProfileID": self.profile_id,
            "Renewal": _truth(self.config.get("renewal")),
            "RemoteHost": "",
            "RemoteAddress": "",
            "Input": inputs,
            "Output": [],
        }


def _attributes(spec: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [
        {"name": name, "Descriptor": {"Syntax": syntax, "Description": description}}
        for name, syntax, description in spec
    ]


def _input_json(input_id: str, class_id: str) -> dict[str, Any]:
    name, spec = INPUTS.get(class_id, (class_id, ()))
    return {
        "id": input_id,
        "ClassID": class_id,
        "Name": name,
        "Attribute": _attributes(spec),
        "ConfigAttribute": [],
    }


def _output_json(output_id: str, class_id: str) -> dict[str, Any]:
    name, spec = OUTPUTS.get(class_id, (class_id, ()))
    return {"id": output_id, "name": name, "classId": class_id, "attributes": _attributes(spec)}


def _policy_json(p: Policy) -> dict[str, Any]:
    return {
        "id": p.policy_id,
        "def": {
            "name": p.default_name,
            "classId": p.default_class,
            "attributes": [],
            "params": [{"name": k, "value": v} for k, v in sorted(p.default_params.items())],
        },
        "constraint": {
            "name": p.constraint_name,
            "classId": p.constraint_class,
            "constraints": [
                {"name": k, "value": v} for k, v in sorted(p.constraint_params.items())
            ],
        },
    }


# -- ProfileData JSON → configuration (JSON create and modify) --------------------------------


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return "" if value is None else str(value)


def config_from_data(data: dict[str, Any], base: dict[str, str] | None = None) -> dict[str, str]:
    """The configuration ``ProfileData`` describes, over ``base`` (a modified profile's).

    As ``ProfileBase.changeProfileData`` does, inputs, outputs and policies are replaced as a
    whole; policy parameters with empty values are not written. The ``enable`` flag is kept.
    Keys of 10.x's JAXB shape (``Input``, ``PolicySets``) are ignored, as Jackson ignores them.
    """
    config = {
        k: v
        for k, v in (base or {}).items()
        if not k.startswith(("input.", "output.", "policyset."))
    }
    config.setdefault("enable", "false")
    config["name"] = _text(data, "name")
    config["desc"] = _text(data, "description")
    config["visible"] = "true" if data.get("visible") is True else "false"
    config["renewal"] = "true" if data.get("renewal") is True else "false"
    config["xmlOutput"] = "true" if data.get("xmloutput") is True else "false"
    for key, field in (("auth.instance_id", "authenticatorId"), ("authz.acl", "authzAcl")):
        if data.get(field):
            config[key] = str(data[field])
        else:
            config.pop(key, None)
    inputs = [i for i in data.get("inputs") or [] if isinstance(i, dict)]
    config["input.list"] = ",".join(_text(i, "id") for i in inputs)
    for i in inputs:
        config[f"input.{_text(i, 'id')}.class_id"] = _text(i, "ClassID")
    outputs = [o for o in data.get("outputs") or [] if isinstance(o, dict)]
    config["output.list"] = ",".join(_text(o, "id") for o in outputs)
    for o in outputs:
        config[f"output.{_text(o, 'id')}.class_id"] = _text(o, "classId")
    sets = data.get("policySets") or {}
    if not isinstance(sets, dict):
        raise bad_request("Invalid policySets: a JSON object of policy lists expected")
    config["policyset.list"] = ",".join(sets)
    for set_id, policies in sets.items():
        policies = [p for p in policies or [] if isinstance(p, dict)]
        config[f"policyset.{set_id}.list"] = ",".join(_text(p, "id") for p in policies)
        for p in policies:
            prefix = f"policyset.{set_id}.{_text(p, 'id')}."
            for part, values_key in (("default", "params"), ("constraint", "constraints")):
                block = p.get("def" if part == "default" else "constraint") or {}
                config[prefix + part + ".class_id"] = _text(block, "classId")
                if block.get("name"):
                    config[prefix + part + ".name"] = str(block["name"])
                for param in block.get(values_key) or []:
                    if isinstance(param, dict) and param.get("value") not in (None, ""):
                        config[f"{prefix}{part}.params.{param.get('name')}"] = str(param["value"])
    return config


# -- the stock profiles ------------------------------------------------------------------------

_KEY_USAGE_BITS = (
    "DigitalSignature",
    "NonRepudiation",
    "DataEncipherment",
    "KeyEncipherment",
    "KeyAgreement",
    "KeyCertSign",
    "CrlSign",
    "EncipherOnly",
    "DecipherOnly",
)
SERVER_AUTH, CLIENT_AUTH, EMAIL_PROTECTION = (
    "1.3.6.1.5.5.7.3.1",
    "1.3.6.1.5.5.7.3.2",
    "1.3.6.1.5.5.7.3.4",
)
RSA_SIZES = "1024,2048,3072,4096"
EC_CURVES = "nistp256,nistp384,nistp521"


def _key_usage(*bits: str) -> dict[str, str]:
    params = {"keyUsageCritical": "true"}
    for bit in _KEY_USAGE_BITS:
        params[f"keyUsage{bit}"] = "true" if bit in bits else "false"
    return params


@dataclass(frozen=True)
class _Rule:
    default: str
    default_name: str
    default_params: dict[str, str]
    constraint: str = "noConstraintImpl"
    constraint_name: str = "No Constraint"
    constraint_params: dict[str, str] | None = None


def _subject(pattern: str) -> _Rule:
    return _Rule(
        "userSubjectNameDefaultImpl",
        "Subject Name Default",
        {},
        "subjectNameConstraintImpl",
        "Subject Name Constraint",
        {"pattern": pattern, "accept": "true"},
    )


def _validity(days: int, limit: int, default: str = "validityDefaultImpl") -> _Rule:
    return _Rule(
        default,
        "Validity Default",
        {"range": str(days), "startTime": "0"},
        "validityConstraintImpl",
        "Validity Constraint",
        {"range": str(limit), "notBeforeCheck": "false", "notAfterCheck": "false"},
    )


def _key(key_type: str, parameters: str) -> _Rule:
    return _Rule(
        "userKeyDefaultImpl",
        "Key Default",
        {},
        "keyConstraintImpl",
        "Key Constraint",
        {"keyType": key_type, "keyParameters": parameters},
    )


def _usage(*bits: str) -> _Rule:
    params = _key_usage(*bits)
    return _Rule(
        "keyUsageExtDefaultImpl",
        "Key Usage Default",
        params,
        "keyUsageExtConstraintImpl",
        "Key Usage Extension Constraint",
        dict(params),
    )


def _eku(*oids: str) -> _Rule:
    return _Rule(
        "extendedKeyUsageExtDefaultImpl",
        "Extended Key Usage Extension Default",
        {"exKeyUsageCritical": "false", "exKeyUsageOIDs": ",".join(oids)},
    )


_AKI = _Rule("authorityKeyIdentifierExtDefaultImpl", "Authority Key Identifier Default", {})
_SKI = _Rule("subjectKeyIdentifierExtDefaultImpl", "Subject Key Identifier Extension Default", {})
_SIGNING_ALG = _Rule(
    "signingAlgDefaultImpl",
    "Signing Alg",
    {"signingAlg": "-"},
    "signingAlgConstraintImpl",
    "No Constraint",
    {
        "signingAlgsAllowed": "SHA256withRSA,SHA384withRSA,SHA512withRSA,"
        "SHA256withEC,SHA384withEC,SHA512withEC"
    },
)
_CN_TO_SAN = _Rule("commonNameToSANDefaultImpl", "Copy Common Name to Subject Alternative Name", {})


def _config(
    name: str,
    description: str,
    policy_set: str,
    rules: Sequence[_Rule],
    *,
    inputs: Sequence[str] = ("certReqInputImpl", "submitterInfoInputImpl"),
    visible: bool = True,
    enabled: bool = True,
    authenticator: str | None = None,
) -> dict[str, str]:
    config = {
        "name": name,
        "desc": description,
        "visible": "true" if visible else "false",
        "enable": "true" if enabled else "false",
        "enableBy": "admin",
        "input.list": ",".join(f"i{n}" for n in range(1, len(inputs) + 1)),
        "output.list": "o1",
        "output.o1.class_id": "certOutputImpl",
        "policyset.list": policy_set,
        f"policyset.{policy_set}.list": ",".join(str(n) for n in range(1, len(rules) + 1)),
    }
    if authenticator:
        config["auth.instance_id"] = authenticator
    for n, cls in enumerate(inputs, 1):
        config[f"input.i{n}.class_id"] = cls
    for n, rule in enumerate(rules, 1):
        prefix = f"policyset.{policy_set}.{n}."
        config[prefix + "default.class_id"] = rule.default
        config[prefix + "default.name"] = rule.default_name
        for k, v in rule.default_params.items():
            config[prefix + "default.params." + k] = v
        config[prefix + "constraint.class_id"] = rule.constraint
        config[prefix + "constraint.name"] = rule.constraint_name
        for k, v in (rule.constraint_params or {}).items():
            config[prefix + "constraint.params." + k] = v
    return config


_SERVER_USAGE = _usage("DigitalSignature", "DataEncipherment", "KeyEncipherment")
_ANY_KEY = _key("-", f"{RSA_SIZES},{EC_CURVES}")
_USER_INPUTS = ("keyGenInputImpl", "subjectNameInputImpl", "submitterInfoInputImpl")

STOCK_PROFILES: dict[str, dict[str, str]] = {
    "caServerCert": _config(
        "Manual Server Certificate Enrollment",
        "This certificate profile is for enrolling server certificates.",
        "serverCertSet",
        [
            _subject(".*CN=.*"),
            _validity(720, 720),
            _ANY_KEY,
            _AKI,
            _SERVER_USAGE,
            _eku(SERVER_AUTH, CLIENT_AUTH),
            _SIGNING_ALG,
            _CN_TO_SAN,
        ],
    ),
    "caUserCert": _config(
        "Manual User Dual-Use Certificate Enrollment",
        "This certificate profile is for enrolling user certificates.",
        "userCertSet",
        [
            _subject("UID=.*"),
            _validity(180, 365),
            _key("RSA", RSA_SIZES),
            _AKI,
            _usage("DigitalSignature", "NonRepudiation", "KeyEncipherment"),
            _eku(CLIENT_AUTH, EMAIL_PROTECTION),
            _SIGNING_ALG,
        ],
        inputs=_USER_INPUTS,
        visible=False,
    ),
    "caSubsystemCert": _config(
        "Manual Subsystem Certificate Enrollment",
        "This certificate profile is for enrolling subsystem certificates.",
        "serverCertSet",
        [
            _subject("CN=.*"),
            _validity(720, 720),
            _ANY_KEY,
            _AKI,
            _SERVER_USAGE,
            _eku(CLIENT_AUTH),
            _SIGNING_ALG,
        ],
    ),
    "caECServerCert": _config(
        "Manual Server Certificate Enrollment with ECC keys",
        "This certificate profile is for enrolling server certificates with ECC keys.",
        "serverCertSet",
        [
            _subject(".*CN=.*"),
            _validity(720, 720),
            _key("-", EC_CURVES),
            _AKI,
            _usage("DigitalSignature", "DataEncipherment", "KeyAgreement"),
            _eku(SERVER_AUTH, CLIENT_AUTH),
            _SIGNING_ALG,
            _CN_TO_SAN,
        ],
    ),
    "caECUserCert": _config(
        "Manual User Dual-Use ECC Certificate Enrollment",
        "This certificate profile is for enrolling user ECC certificates.",
        "userCertSet",
        [
            _subject("UID=.*"),
            _validity(180, 365),
            _key("EC", EC_CURVES),
            _AKI,
            _usage("DigitalSignature", "NonRepudiation", "KeyAgreement"),
            _eku(CLIENT_AUTH, EMAIL_PROTECTION),
            _SIGNING_ALG,
        ],
        inputs=_USER_INPUTS,
        visible=False,
        enabled=False,
    ),
    "caAgentServerCert": _config(
        "Agent-Authenticated Server Certificate Enrollment",
        "This certificate profile is for enrolling server certificates with agent authentication.",
        "serverCertSet",
        [
            _subject("CN=.*"),
            _validity(180, 365),
            _key("RSA", RSA_SIZES),
            _AKI,
            _SERVER_USAGE,
            _eku(SERVER_AUTH),
            _SIGNING_ALG,
            _CN_TO_SAN,
        ],
        authenticator="AgentCertAuth",
    ),
    "caCACert": _config(
        "Manual Certificate Manager Signing Certificate Enrollment",
        "This certificate profile is for enrolling Certificate Authority certificates.",
        "caCertSet",
        [
            _subject("CN=.*"),
            _validity(7305, 7305, default="caValidityDefaultImpl"),
            _key("-", f"{RSA_SIZES},{EC_CURVES}"),
            _AKI,
            _Rule(
                "basicConstraintsExtDefaultImpl",
                "Basic Constraints Extension Default",
                {
                    "basicConstraintsCritical": "true",
                    "basicConstraintsIsCA": "true",
                    "basicConstraintsPathLen": "-1",
                },
                "basicConstraintsExtConstraintImpl",
                "Basic Constraint Extension Constraint",
                {"basicConstraintsIsCA": "true"},
            ),
            _usage("DigitalSignature", "NonRepudiation", "KeyCertSign", "CrlSign"),
            _SKI,
            _SIGNING_ALG,
        ],
    ),
}
CA_SIGNING_PROFILE = "caCACert"


class ProfileStore:
    """The CA's profiles in the store's ``profiles`` table (callers hold ``store.lock``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table: dict[str, Any] = store.table("profiles")

    def seed(self) -> None:
        """Install the stock profiles once per state directory (deleted ones stay deleted)."""
        if self.store.data.get("profiles_seeded"):
            return
        for pid, config in STOCK_PROFILES.items():
            self.table.setdefault(pid, {"class_id": "caEnrollImpl", "config": dict(config)})
        self.store.data["profiles_seeded"] = True

    def ids(self) -> list[str]:
        return list(self.table)

    def find(self, profile_id: str) -> Profile | None:
        record = self.table.get(profile_id)
        if record is None:
            return None
        return Profile(profile_id, record["class_id"], dict(record["config"]))

    def get(self, profile_id: str) -> Profile:
        """The profile, or 404 ``ProfileNotFoundException`` (with its ``profileId``)."""
        profile = self.find(profile_id)
        if profile is None:
            raise not_found_error(profile_id)
        return profile

    def put(self, profile: Profile) -> None:
        self.table[profile.profile_id] = {"class_id": profile.class_id, "config": profile.config}

    def delete(self, profile_id: str) -> None:
        self.table.pop(profile_id, None)


def not_found_error(profile_id: str) -> DogtagError:
    return not_found(
        f"Profile ID {profile_id} not found", PROFILE_NOT_FOUND, {"profileId": profile_id}
    )
