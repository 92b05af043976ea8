"""Profile administration and profile policies on the test server, over raw HTTPS.

Covers the list visibility rules, the 11.x JSON shape, raw get/create/modify round trips
with their v1/v2 differences, the enable/disable/delete state rules (400/404/409), the ACLs
(including v2's ``POST profiles/raw`` needing ``profiles.approve``), and a profile created at
runtime from a FreeIPA-style configuration (an agent-authenticated server profile written for
these tests, in the manner of FreeIPA's ``caIPAserviceCert``) that is enabled and used, its
policies checked in the issued certificate.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pki.testing.server import DogtagTestServer
from server_fixtures import write_pem

OCSP_URL = "http://ipa-ca.example.test/ca/ocsp"
CRL_URL = "http://ipa-ca.example.test/ipa/crl/MasterCRL.bin"

# A FreeIPA-style service profile (agent-authenticated through raCertAuth, subject rebuilt
# from the request's CN under the realm's base, SANs taken from the CSR), with the
# installer's variables already replaced, as FreeIPA imports it.
IPA_STYLE_PROFILE = f"""\
profileId={{profile_id}}
classId=caEnrollImpl
desc=Service certificates issued to IPA hosts and services through the RA agent.
visible=false
enable=true
enableBy=ipara
auth.instance_id=raCertAuth
name=IPA service certificate (RA agent authenticated)
input.list=i1,i2
input.i1.class_id=certReqInputImpl
input.i2.class_id=submitterInfoInputImpl
output.list=o1
output.o1.class_id=certOutputImpl
policyset.list=serviceSet
policyset.serviceSet.list=1,2,3,4,5,6,7,8,9,10,11,12
policyset.serviceSet.1.default.class_id=subjectNameDefaultImpl
policyset.serviceSet.1.default.name=Subject Name Default
policyset.serviceSet.1.default.params.name=CN=$request.req_subject_name.cn$, O=EXAMPLE.TEST
policyset.serviceSet.1.constraint.class_id=subjectNameConstraintImpl
policyset.serviceSet.1.constraint.name=Subject Name Constraint
policyset.serviceSet.1.constraint.params.pattern=CN=[^,]+,.+
policyset.serviceSet.1.constraint.params.accept=true
policyset.serviceSet.2.default.class_id=validityDefaultImpl
policyset.serviceSet.2.default.name=Validity Default
policyset.serviceSet.2.default.params.range=731
policyset.serviceSet.2.default.params.startTime=0
policyset.serviceSet.2.constraint.class_id=validityConstraintImpl
policyset.serviceSet.2.constraint.name=Validity Constraint
policyset.serviceSet.2.constraint.params.range=740
policyset.serviceSet.2.constraint.params.notBeforeCheck=false
policyset.serviceSet.2.constraint.params.notAfterCheck=false
policyset.serviceSet.3.default.class_id=userKeyDefaultImpl
policyset.serviceSet.3.default.name=Key Default
policyset.serviceSet.3.constraint.class_id=keyConstraintImpl
policyset.serviceSet.3.constraint.name=Key Constraint
policyset.serviceSet.3.constraint.params.keyType=-
policyset.serviceSet.3.constraint.params.keyParameters=2048,3072,4096,nistp256,nistp384
policyset.serviceSet.4.default.class_id=authorityKeyIdentifierExtDefaultImpl
policyset.serviceSet.4.default.name=Authority Key Identifier Default
policyset.serviceSet.4.constraint.class_id=noConstraintImpl
policyset.serviceSet.4.constraint.name=No Constraint
policyset.serviceSet.5.default.class_id=authInfoAccessExtDefaultImpl
policyset.serviceSet.5.default.name=AIA Extension Default
policyset.serviceSet.5.default.params.authInfoAccessCritical=false
policyset.serviceSet.5.default.params.authInfoAccessNumADs=1
policyset.serviceSet.5.default.params.authInfoAccessADEnable_0=true
policyset.serviceSet.5.default.params.authInfoAccessADMethod_0=1.3.6.1.5.5.7.48.1
policyset.serviceSet.5.default.params.authInfoAccessADLocationType_0=URIName
policyset.serviceSet.5.default.params.authInfoAccessADLocation_0={OCSP_URL}
policyset.serviceSet.5.constraint.class_id=noConstraintImpl
policyset.serviceSet.5.constraint.name=No Constraint
policyset.serviceSet.6.default.class_id=keyUsageExtDefaultImpl
policyset.serviceSet.6.default.name=Key Usage Default
policyset.serviceSet.6.default.params.keyUsageCritical=true
policyset.serviceSet.6.default.params.keyUsageDigitalSignature=true
policyset.serviceSet.6.default.params.keyUsageNonRepudiation=true
policyset.serviceSet.6.default.params.keyUsageDataEncipherment=true
policyset.serviceSet.6.default.params.keyUsageKeyEncipherment=true
policyset.serviceSet.6.default.params.keyUsageKeyAgreement=false
policyset.serviceSet.6.default.params.keyUsageKeyCertSign=false
policyset.serviceSet.6.default.params.keyUsageCrlSign=false
policyset.serviceSet.6.default.params.keyUsageEncipherOnly=false
policyset.serviceSet.6.default.params.keyUsageDecipherOnly=false
policyset.serviceSet.6.constraint.class_id=keyUsageExtConstraintImpl
policyset.serviceSet.6.constraint.name=Key Usage Extension Constraint
policyset.serviceSet.6.constraint.params.keyUsageCritical=true
policyset.serviceSet.6.constraint.params.keyUsageDigitalSignature=true
policyset.serviceSet.6.constraint.params.keyUsageKeyCertSign=false
policyset.serviceSet.7.default.class_id=extendedKeyUsageExtDefaultImpl
policyset.serviceSet.7.default.name=Extended Key Usage Extension Default
policyset.serviceSet.7.default.params.exKeyUsageCritical=false
policyset.serviceSet.7.default.params.exKeyUsageOIDs=1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2
policyset.serviceSet.7.constraint.class_id=noConstraintImpl
policyset.serviceSet.7.constraint.name=No Constraint
policyset.serviceSet.8.default.class_id=signingAlgDefaultImpl
policyset.serviceSet.8.default.name=Signing Alg
policyset.serviceSet.8.default.params.signingAlg=-
policyset.serviceSet.8.constraint.class_id=signingAlgConstraintImpl
policyset.serviceSet.8.constraint.name=No Constraint
policyset.serviceSet.8.constraint.params.signingAlgsAllowed=SHA256withRSA,SHA384withRSA,SHA512withRSA,SHA256withEC
policyset.serviceSet.9.default.class_id=crlDistributionPointsExtDefaultImpl
policyset.serviceSet.9.default.name=CRL Distribution Points Extension Default
policyset.serviceSet.9.default.params.crlDistPointsCritical=false
policyset.serviceSet.9.default.params.crlDistPointsNum=1
policyset.serviceSet.9.default.params.crlDistPointsEnable_0=true
policyset.serviceSet.9.default.params.crlDistPointsPointType_0=URIName
policyset.serviceSet.9.default.params.crlDistPointsPointName_0={CRL_URL}
policyset.serviceSet.9.default.params.crlDistPointsReasons_0=
policyset.serviceSet.9.constraint.class_id=noConstraintImpl
policyset.serviceSet.9.constraint.name=No Constraint
policyset.serviceSet.10.default.class_id=subjectKeyIdentifierExtDefaultImpl
policyset.serviceSet.10.default.name=Subject Key Identifier Extension Default
policyset.serviceSet.10.default.params.critical=false
policyset.serviceSet.10.constraint.class_id=noConstraintImpl
policyset.serviceSet.10.constraint.name=No Constraint
policyset.serviceSet.11.default.class_id=userExtensionDefaultImpl
policyset.serviceSet.11.default.name=User Supplied Extension Default
policyset.serviceSet.11.default.params.userExtOID=2.5.29.17
policyset.serviceSet.11.constraint.class_id=noConstraintImpl
policyset.serviceSet.11.constraint.name=No Constraint
policyset.serviceSet.12.default.class_id=commonNameToSANDefaultImpl
policyset.serviceSet.12.default.name=Copy Common Name to Subject Alternative Name
policyset.serviceSet.12.constraint.class_id=noConstraintImpl
policyset.serviceSet.12.constraint.name=No Constraint
"""


def props(text: str) -> dict[str, str]:
    """A plain ``key=value`` reading (the test's own, not the server's parser)."""
    result = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            result[key] = value
    return result


def error(r: requests.Response) -> tuple[int, str, str]:
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    body = r.json()
    return r.status_code, body["ClassName"].rsplit(".", 1)[1], body["Message"]


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def login(s: requests.Session, url: str) -> requests.Session:
    """Profiles are ACL-only URLs: the principal comes from the session account/login made."""
    r = s.get(f"{url}/ca/rest/account/login")
    assert r.status_code == 200, r.text
    return s


def session_with(server: DogtagTestServer, pem: tuple[str, str] | None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(server.ca_cert_path)
    if pem is not None:
        s.cert = pem
    return s


def csr(
    cn: str, key: Any = None, sans: tuple[str, ...] = (), org: str | None = None
) -> tuple[str, Any]:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode(), key


def enrollment(profile_id: str, csr_pem: str) -> dict[str, Any]:
    return {
        "ProfileID": profile_id,
        "Renewal": False,
        "Input": [
            {
                "id": "i1",
                "ClassID": "certReqInputImpl",
                "Attribute": [
                    {"name": "cert_request_type", "Value": "pkcs10"},
                    {"name": "cert_request", "Value": csr_pem},
                ],
            }
        ],
    }


def issued_cert(s: requests.Session, url: str, info: dict[str, Any]) -> x509.Certificate:
    data = s.get(f"{url}/ca/rest/certs/{info['certId']}").json()
    return x509.load_pem_x509_certificate(data["Encoded"].encode())


@pytest.fixture(scope="module")
def users(dogtag_server: DogtagTestServer, pem_dir: Path) -> dict[str, tuple[str, str]]:
    """PEM files of users in a few group combinations (issued once for the module)."""
    combos = {
        "adminonly": ["Administrators"],
        "cmagent": ["Certificate Manager Agents"],
        "ipara": [
            "Certificate Manager Agents",
            "Registration Manager Agents",
            "Security Domain Administrators",
        ],
        "auditor": ["Auditors"],
        "nogroups": [],
    }
    return {
        name: write_pem(
            pem_dir, f"profiles-{name}", dogtag_server.issue_client_cert(name, groups=groups)
        )
        for name, groups in combos.items()
    }


@pytest.fixture
def agent(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str]
) -> Iterator[requests.Session]:
    """The agent/administrator, logged in."""
    with session_with(dogtag_server, agent_pem) as s:
        yield login(s, dogtag_server.url)


def new_profile(agent: requests.Session, url: str, **changes: str) -> str:
    """A disabled copy of caServerCert under a new ID (raw create, v1); returns the ID."""
    profile_id = unique("caTest")
    config = props(agent.get(f"{url}/ca/v2/profiles/caServerCert/raw").text)
    config.update(profileId=profile_id, **changes)
    body = "".join(f"{k}={v}\n" for k, v in config.items())
    r = agent.post(f"{url}/ca/rest/profiles/raw", data=body)
    assert r.status_code == 201, r.text
    return profile_id


# -- reads -------------------------------------------------------------------------------------


def test_list_visibility(
    dogtag_server: DogtagTestServer, agent: requests.Session, users: dict[str, tuple[str, str]]
) -> None:
    url = dogtag_server.url
    listed = agent.get(f"{url}/ca/v2/profiles", params={"size": 100}).json()
    by_id = {p["profileId"]: p for p in listed["entries"]}
    assert {"caServerCert", "caUserCert", "caECUserCert", "caCACert"} <= set(by_id)
    assert listed["total"] == len(listed["entries"])
    user = by_id["caUserCert"]
    assert user == {
        "profileId": "caUserCert",
        "profileName": "Manual User Dual-Use Certificate Enrollment",
        "profileDescription": "This certificate profile is for enrolling user certificates.",
        "profileVisible": False,
        "profileEnable": True,
        "profileEnableBy": "admin",
        "profileURL": f"{url}/ca/v2/profiles/caUserCert",
    }
    assert by_id["caECUserCert"]["profileEnable"] is False
    hidden = agent.get(f"{url}/ca/v2/profiles", params={"visible": "false", "size": 100}).json()
    assert {p["profileId"] for p in hidden["entries"]} >= {"caUserCert", "caECUserCert"}
    assert all(not p["profileVisible"] for p in hidden["entries"])
    disabled = agent.get(f"{url}/ca/rest/profiles", params={"enable": "false", "size": 100}).json()
    assert "caECUserCert" in {p["profileId"] for p in disabled["entries"]}
    assert all(p["profileURL"].startswith(f"{url}/ca/rest/profiles/") for p in disabled["entries"])
    paged = agent.get(f"{url}/ca/v2/profiles", params={"start": 1, "size": 2}).json()
    assert len(paged["entries"]) == 2 and paged["total"] == listed["total"]

    # a caller who is no Certificate Manager Agent sees visible profiles only
    with login(session_with(dogtag_server, users["adminonly"]), url) as s:
        ids = {
            p["profileId"]
            for p in s.get(f"{url}/ca/v2/profiles", params={"size": 100}).json()["entries"]
        }
        assert "caServerCert" in ids and "caUserCert" not in ids
        assert s.get(f"{url}/ca/v2/profiles", params={"visible": "false"}).json() == {
            "total": 0,
            "entries": [],
        }
        r = s.get(f"{url}/ca/v2/profiles/caUserCert")
        assert error(r) == (404, "ProfileNotFoundException", "Profile ID caUserCert not found")
        assert r.json()["Attributes"] == {
            "Attribute": [{"name": "profileId", "value": "caUserCert"}]
        }
        assert s.get(f"{url}/ca/v2/profiles/caServerCert").status_code == 200
    # anybody may list (after login), but reading needs a profile role
    with login(session_with(dogtag_server, users["nogroups"]), url) as s:
        assert s.get(f"{url}/ca/v2/profiles").status_code == 200
        assert error(s.get(f"{url}/ca/v2/profiles/caServerCert"))[0] == 403
    with login(session_with(dogtag_server, users["auditor"]), url) as s:
        assert s.get(f"{url}/ca/rest/profiles/caServerCert/raw").status_code == 200


def test_profile_data_json(dogtag_server: DogtagTestServer, agent: requests.Session) -> None:
    data = agent.get(f"{dogtag_server.url}/ca/v2/profiles/caServerCert").json()
    assert {
        k: data[k]
        for k in ("id", "classId", "enabled", "visible", "enabledBy", "renewal", "xmloutput")
    } == {
        "id": "caServerCert",
        "classId": "caEnrollImpl",
        "enabled": True,
        "visible": True,
        "enabledBy": "admin",
        "renewal": False,
        "xmloutput": False,
    }
    assert [(i["id"], i["ClassID"]) for i in data["inputs"]] == [
        ("i1", "certReqInputImpl"),
        ("i2", "submitterInfoInputImpl"),
    ]
    assert [a["name"] for a in data["inputs"][0]["Attribute"]] == [
        "cert_request_type",
        "cert_request",
    ]
    assert all("Value" not in a for a in data["inputs"][0]["Attribute"])  # null values omitted
    assert data["outputs"][0]["classId"] == "certOutputImpl"
    assert list(data["policySets"]) == ["serverCertSet"]
    first = data["policySets"]["serverCertSet"][0]
    assert first["id"] == "1"
    assert first["def"]["classId"] == "userSubjectNameDefaultImpl"
    assert first["constraint"]["classId"] == "subjectNameConstraintImpl"
    assert {"name": "pattern", "value": ".*CN=.*"} in first["constraint"]["constraints"]
    validity = data["policySets"]["serverCertSet"][1]["def"]
    assert {"name": "range", "value": "720"} in validity["params"]
    for gone in ("Input", "Output", "PolicySets"):  # 10.x JAXB names are gone in 11.x
        assert gone not in data
    r = agent.get(f"{dogtag_server.url}/ca/rest/profiles/caNoSuchProfile")
    assert error(r)[:2] == (404, "ProfileNotFoundException")


def test_raw_get_and_negotiation(dogtag_server: DogtagTestServer, agent: requests.Session) -> None:
    url = dogtag_server.url
    r = agent.get(f"{url}/ca/v2/profiles/caServerCert/raw")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream"
    config = props(r.text)
    assert config["profileId"] == "caServerCert" and config["classId"] == "caEnrollImpl"
    lines = [line.split("=", 1)[0] for line in r.text.splitlines()]
    assert lines == sorted(lines)  # ConfigStore writes sorted keys
    # v1 sends the same bytes under whatever type Accept negotiates
    v1 = agent.get(f"{url}/ca/rest/profiles/caServerCert/raw")
    assert v1.headers["Content-Type"] == "application/json" and v1.text == r.text
    octet = agent.get(
        f"{url}/ca/rest/profiles/caServerCert/raw", headers={"Accept": "application/octet-stream"}
    )
    assert octet.headers["Content-Type"] == "application/octet-stream"
    r = agent.get(f"{url}/ca/rest/profiles/caServerCert/raw", headers={"Accept": "text/plain"})
    assert error(r) == (406, "PKIException", "Not Acceptable")


# -- raw create, modify, state and delete --------------------------------------------------


def test_raw_round_trip_and_state_rules(
    dogtag_server: DogtagTestServer, agent: requests.Session
) -> None:
    url = dogtag_server.url
    base = f"{url}/ca/v2/profiles"
    profile_id = unique("caCopy")
    stock = agent.get(f"{base}/caServerCert/raw").text.replace(
        "profileId=caServerCert", f"profileId={profile_id}"
    )
    r = agent.post(f"{base}/raw", data=stock, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{base}/raw/{profile_id}"  # v2, as coded
    assert r.headers["Content-Type"] == "application/octet-stream"
    created = props(r.text)
    assert created["profileId"] == profile_id and created["enable"] == "false"  # saved disabled
    assert props(stock).items() - created.items() == {("enable", "true")}
    assert agent.get(f"{base}/{profile_id}/raw").text == r.text

    r = agent.post(f"{base}/raw", data=stock)
    assert error(r) == (
        409,
        "ConflictingOperationException",
        "Unable to create profile: Profile already exists",
    )

    changed = stock.replace("desc=This certificate profile", "desc=A changed profile")
    r = agent.put(f"{base}/{profile_id}/raw", data=changed)
    assert r.status_code == 200 and r.text.startswith("#")  # SimpleProperties.store's date comment
    assert "profileId" not in props(r.text)
    after = props(agent.get(f"{base}/{profile_id}/raw").text)
    assert after["desc"].startswith("A changed profile") and after["enable"] == "false"

    state = f"{base}/{profile_id}"
    assert agent.post(state, params={"action": "enable"}).status_code == 204
    data = agent.get(state).json()
    assert data["enabled"] is True and data["enabledBy"] == "testagent"
    assert error(agent.post(state, params={"action": "enable"})) == (
        409,
        "ConflictingOperationException",
        "Profile already enabled",
    )
    assert error(agent.put(f"{state}/raw", data=changed)) == (
        409,
        "ConflictingOperationException",
        "Cannot change profile data. Profile must be disabled",
    )
    assert error(agent.delete(state)) == (
        409,
        "ConflictingOperationException",
        f"Cannot delete profile `{profile_id}`.  Profile must be disabled first.",
    )
    assert error(agent.post(state)) == (
        400,
        "BadRequestException",
        "Unable to modify profile state: Missing action",
    )
    assert error(agent.post(state, params={"action": "approve"})) == (
        400,
        "BadRequestException",
        "Invalid operation",
    )
    assert agent.post(state, params={"action": "disable"}).status_code == 204
    assert error(agent.post(state, params={"action": "disable"}))[2] == "Profile already disabled"
    assert agent.delete(state).status_code == 204
    assert error(agent.delete(state))[:2] == (404, "ProfileNotFoundException")
    assert error(agent.get(f"{state}/raw"))[0] == 404
    assert error(agent.post(state, params={"action": "enable"}))[0] == 404


def test_raw_create_v1_and_errors(dogtag_server: DogtagTestServer, agent: requests.Session) -> None:
    url = dogtag_server.url
    profile_id = unique("caV1")
    stock = agent.get(f"{url}/ca/v2/profiles/caServerCert/raw").text
    text = stock.replace("profileId=caServerCert", f"profileId={profile_id}")
    r = agent.post(f"{url}/ca/rest/profiles/raw", data=text)
    assert r.status_code == 201
    assert r.headers["Location"] == f"{url}/ca/rest/profiles/raw"  # v1: the request URL
    assert r.headers["Content-Type"] == "application/json"
    assert r.text.startswith("#") and "profileId" not in props(r.text)
    assert props(r.text)["enable"] == "true"  # v1 echoes what it read, before disabling

    def create(body: str) -> tuple[int, str, str]:
        return error(agent.post(f"{url}/ca/v2/profiles/raw", data=body))

    no_id = "\n".join(line for line in text.splitlines() if not line.startswith("profileId="))
    assert create(no_id) == (
        400,
        "BadRequestException",
        "Unable to create profile: Missing profile ID",
    )
    no_class = text.replace("classId=caEnrollImpl\n", "").replace(profile_id, unique("caX"))
    assert create(no_class) == (
        400,
        "BadRequestException",
        "Unable to create profile: Missing class ID",
    )
    bad = text.replace(profile_id, unique("caBad")).replace(
        "=userKeyDefaultImpl", "=noSuchDefaultImpl"
    )
    code, cls, message = create(bad)
    assert (code, cls) == (400, "BadRequestException") and "noSuchDefaultImpl" in message
    r = agent.put(f"{url}/ca/v2/profiles/{profile_id}/raw", data=bad)
    assert error(r) == (400, "BadRequestException", "Invalid profile data")
    r = agent.put(f"{url}/ca/v2/profiles/{profile_id}/raw", data=b"\xff\xfe not utf-8")
    assert error(r) == (400, "BadRequestException", "Could not parse raw profile data.")
    agent.delete(f"{url}/ca/v2/profiles/{profile_id}")


def test_json_create_and_modify(dogtag_server: DogtagTestServer, agent: requests.Session) -> None:
    url = dogtag_server.url
    data = agent.get(f"{url}/ca/v2/profiles/caServerCert").json()
    profile_id = unique("caJson")
    data.update(id=profile_id, name="JSON profile", description="made from ProfileData")
    r = agent.post(f"{url}/ca/v2/profiles", json=data)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{url}/ca/v2/profiles/{profile_id}"
    created = r.json()
    assert created["enabled"] is False and created["name"] == "JSON profile"
    assert created["policySets"] == data["policySets"]
    assert error(agent.post(f"{url}/ca/v2/profiles", json=data)) == (
        409,
        "ConflictingOperationException",
        "Profile already exists",
    )
    raw = props(agent.get(f"{url}/ca/v2/profiles/{profile_id}/raw").text)
    assert raw["desc"] == "made from ProfileData"
    assert raw["policyset.serverCertSet.2.default.params.range"] == "720"

    data["description"] = "modified"
    r = agent.put(f"{url}/ca/rest/profiles/{profile_id}", json=data)
    assert r.status_code == 200 and r.json()["description"] == "modified"
    agent.post(f"{url}/ca/v2/profiles/{profile_id}", params={"action": "enable"})
    # the enabled-profile message differs: v1 has two spaces, v2 one
    assert error(agent.put(f"{url}/ca/rest/profiles/{profile_id}", json=data))[2] == (
        "Cannot change profile data.  Profile must be disabled"
    )
    assert error(agent.put(f"{url}/ca/v2/profiles/{profile_id}", json=data))[2] == (
        "Cannot change profile data. Profile must be disabled"
    )
    # 10.x's JAXB shape (Input, PolicySets) means nothing to 11.x's Jackson
    old_style = {
        "id": unique("caOld"),
        "classId": "caEnrollImpl",
        "name": "old",
        "Input": [{"id": "i1"}],
    }
    r = agent.post(f"{url}/ca/rest/profiles", json=old_style)
    assert r.status_code == 201 and r.json()["inputs"] == [] and r.json()["policySets"] == {}
    assert r.headers["Location"] == f"{url}/ca/rest/profiles/{old_style['id']}"


# -- ACLs ------------------------------------------------------------------------------------


def test_profile_acls(
    dogtag_server: DogtagTestServer, agent: requests.Session, users: dict[str, tuple[str, str]]
) -> None:
    url = dogtag_server.url
    stock = agent.get(f"{url}/ca/v2/profiles/caServerCert/raw").text

    def raw(profile_id: str) -> str:
        return stock.replace("profileId=caServerCert", f"profileId={profile_id}")

    with login(session_with(dogtag_server, users["adminonly"]), url) as admin:
        # profiles.create (Administrators) on v1 ...
        made = unique("caAdm")
        assert admin.post(f"{url}/ca/rest/profiles/raw", data=raw(made)).status_code == 201
        # ... but v2's ACL filter picks "POST:{}" (profiles.approve) for POST raw, as coded
        r = admin.post(f"{url}/ca/v2/profiles/raw", data=raw(unique("caAdm")))
        assert error(r) == (403, "ForbiddenException", "Authorization Error")
        # enabling is profiles.approve: Certificate Manager Agents only
        assert (
            error(admin.post(f"{url}/ca/rest/profiles/{made}", params={"action": "enable"}))[0]
            == 403
        )
        assert admin.put(f"{url}/ca/rest/profiles/{made}/raw", data=raw(made)).status_code == 200
    with login(session_with(dogtag_server, users["cmagent"]), url) as cm:
        assert cm.get(f"{url}/ca/v2/profiles/{made}").status_code == 200  # read
        assert error(cm.put(f"{url}/ca/rest/profiles/{made}/raw", data=raw(made)))[0] == 403
        assert error(cm.post(f"{url}/ca/rest/profiles/raw", data=raw(unique("caCm"))))[0] == 403
        assert cm.post(f"{url}/ca/v2/profiles/raw", data=raw(unique("caCm"))).status_code == 201
        assert (
            cm.post(f"{url}/ca/rest/profiles/{made}", params={"action": "enable"}).status_code
            == 204
        )
        assert (
            cm.post(f"{url}/ca/rest/profiles/{made}", params={"action": "disable"}).status_code
            == 204
        )
        assert error(cm.delete(f"{url}/ca/rest/profiles/{made}"))[0] == 403
    assert agent.delete(f"{url}/ca/rest/profiles/{made}").status_code == 204


def test_freeipa_acl_grants(tmp_path: Path) -> None:
    """With FreeIPA's widened ACLs an RA-like agent may modify profiles and create CAs."""
    with DogtagTestServer(tmp_path / "ipa", freeipa_acls=True) as server:
        issued = server.issue_client_cert("ipara", groups=["Certificate Manager Agents"])
        pem = write_pem(tmp_path, "ipara", issued)
        with login(session_with(server, pem), server.url) as s:
            raw = s.get(f"{server.url}/ca/v2/profiles/caServerCert/raw").text
            text = raw.replace("profileId=caServerCert", "profileId=caIpaTest")
            assert s.post(f"{server.url}/ca/rest/profiles/raw", data=text).status_code == 201
            r = s.post(
                f"{server.url}/ca/v2/authorities",
                json={"dn": "CN=IPA Sub CA,O=Test", "parentID": "host-authority"},
            )
            assert r.status_code == 201, r.text
        (tmp_path / "ipara-key.pem").unlink()


# -- enrolment through profiles ----------------------------------------------------------------


def test_freeipa_style_profile_is_created_enabled_and_used(
    dogtag_server: DogtagTestServer, users: dict[str, tuple[str, str]], agent: requests.Session
) -> None:
    url = dogtag_server.url
    profile_id = unique("caIPAservice")
    with login(session_with(dogtag_server, users["ipara"]), url) as ipa:
        # FreeIPA's certprofile-import: create raw, then enable
        r = ipa.post(
            f"{url}/ca/v2/profiles/raw", data=IPA_STYLE_PROFILE.format(profile_id=profile_id)
        )
        assert r.status_code == 201, r.text
        assert props(r.text)["enable"] == "false"
        # a disabled profile cannot be used
        pem, key = csr(
            "www.ipa.example.test", sans=("www.ipa.example.test", "alt.ipa.example.test")
        )
        r = ipa.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, pem))
        assert error(r) == (
            400,
            "BadRequestException",
            f"Bad request data: Profile {profile_id} not enabled",
        )
        assert (
            ipa.post(f"{url}/ca/v2/profiles/{profile_id}", params={"action": "enable"}).status_code
            == 204
        )
        assert props(ipa.get(f"{url}/ca/v2/profiles/{profile_id}/raw").text)["enableBy"] == "ipara"

        # raCertAuth authenticates the RA agent's certificate: issued at once, no review
        r = ipa.post(f"{url}/ca/v2/certrequests", json=enrollment(profile_id, pem))
        assert r.status_code == 200, r.text
        info = r.json()["entries"][0]
        assert info["requestStatus"] == "complete" and info["operationResult"] == "success"
        cert = issued_cert(ipa, url, info)

    ca = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    cert.verify_directly_issued_by(ca)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert cert.subject.rfc4514_string() == "CN=www.ipa.example.test,O=EXAMPLE.TEST"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=731)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert (ku.value.digital_signature, ku.value.content_commitment, ku.value.key_encipherment) == (
        True,
        True,
        True,
    )
    assert ku.value.data_encipherment and not ku.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert list(eku.value) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["www.ipa.example.test", "alt.ipa.example.test"]
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(d.access_method, d.access_location.value) for d in aia] == [
        (AuthorityInformationAccessOID.OCSP, OCSP_URL)
    ]
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [p.full_name[0].value for p in cdp] == [CRL_URL]
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)

    # the CN alone goes into the SAN when the CSR has none (commonNameToSANDefaultImpl)
    with session_with(dogtag_server, users["ipara"]) as ipa:
        lone, _ = csr("lone.ipa.example.test", org="Ignored Org")
        info = ipa.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, lone)).json()[
            "entries"
        ][0]
        cert = issued_cert(ipa, url, info)
        assert cert.subject.rfc4514_string() == "CN=lone.ipa.example.test,O=EXAMPLE.TEST"
        assert cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.DNSName) == ["lone.ipa.example.test"]
        # constraints reject at submission: RSA 1024 is not among keyParameters
        small, _ = csr(
            "small.ipa.example.test",
            key=rsa.generate_private_key(public_exponent=65537, key_size=1024),
        )
        info = ipa.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, small)).json()[
            "entries"
        ][0]
        assert info["requestStatus"] == "rejected" and "certId" not in info
        assert "RSA 1024" in info["errorMessage"]

    # raCertAuth wants Registration Manager Agents: the plain agent and anonymous callers fail
    with session_with(dogtag_server, users["cmagent"]) as cm:
        r = cm.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, pem))
        assert error(r) == (
            401,
            "UnauthorizedException",
            "Authentication failed: Authorization Error",
        )
    with session_with(dogtag_server, None) as anon:
        r = anon.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, pem))
        assert error(r) == (
            401,
            "UnauthorizedException",
            "Authentication failed: Invalid Credential.",
        )

    # FreeIPA's certprofile-mod: disable, update, enable
    with login(session_with(dogtag_server, users["ipara"]), url) as ipa:
        ipa.post(f"{url}/ca/v2/profiles/{profile_id}", params={"action": "disable"})
        changed = IPA_STYLE_PROFILE.format(profile_id=profile_id).replace(
            "default.params.range=731", "default.params.range=30"
        )
        assert agent.put(f"{url}/ca/v2/profiles/{profile_id}/raw", data=changed).status_code == 200
        ipa.post(f"{url}/ca/v2/profiles/{profile_id}", params={"action": "enable"})
        info = ipa.post(f"{url}/ca/rest/certrequests", json=enrollment(profile_id, pem)).json()[
            "entries"
        ][0]
        cert = issued_cert(ipa, url, info)
        assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=30)


def test_stock_server_profile_policies(
    dogtag_server: DogtagTestServer, agent: requests.Session, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    pem, _ = csr(
        "stock.example.com",
        key=ec.generate_private_key(ec.SECP256R1()),
        sans=("other.example.com",),
    )
    info = anon_session.post(
        f"{url}/ca/rest/certrequests", json=enrollment("caServerCert", pem)
    ).json()["entries"][0]
    assert info["requestStatus"] == "pending"
    review = agent.get(f"{url}/ca/rest/agent/certrequests/{info['requestID']}").json()
    assert (
        agent.post(
            f"{url}/ca/rest/agent/certrequests/{info['requestID']}/approve", json=review
        ).status_code
        == 204
    )
    done = anon_session.get(f"{url}/ca/rest/certrequests/{info['requestID']}").json()
    cert = issued_cert(anon_session, url, done)
    # caServerCert takes no SAN from the CSR: only the CN, copied by commonNameToSANDefaultImpl
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["stock.example.com"]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.key_encipherment
    assert not ku.value.content_commitment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=720)
    # caUserCert wants a UID in the subject: a CN-only request is rejected at submission
    r = anon_session.post(f"{url}/ca/rest/certrequests", json=enrollment("caUserCert", pem))
    rejected = r.json()["entries"][0]
    assert (
        rejected["requestStatus"] == "rejected"
        and "Subject Name Not Matched" in rejected["errorMessage"]
    )
    # a disabled or unknown profile is a bad request
    r = anon_session.post(f"{url}/ca/rest/certrequests", json=enrollment("caECUserCert", pem))
    assert error(r) == (
        400,
        "BadRequestException",
        "Bad request data: Profile caECUserCert not enabled",
    )
    r = anon_session.post(f"{url}/ca/rest/certrequests", json=enrollment("caNope", pem))
    assert error(r) == (400, "BadRequestException", "Bad request data: Profile caNope Not Found")


def test_agent_authenticated_stock_profile(
    dogtag_server: DogtagTestServer,
    agent_session: requests.Session,
    nonagent_session: requests.Session,
) -> None:
    url = dogtag_server.url
    pem, _ = csr("agent-auth.example.com")
    r = agent_session.post(f"{url}/ca/v2/certrequests", json=enrollment("caAgentServerCert", pem))
    info = r.json()["entries"][0]
    assert info["requestStatus"] == "complete" and info["certId"].startswith("0x")
    r = nonagent_session.post(
        f"{url}/ca/v2/certrequests", json=enrollment("caAgentServerCert", pem)
    )
    assert error(r)[:2] == (401, "UnauthorizedException")
