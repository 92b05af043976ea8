"""Offline tests of the admin clients' data classes and request paths: profiles, lightweight
CAs, users, groups, features, the security domain.

The JSON below is shaped as the fact sheets (``dogtag-rest-api-admin.md``) and Dogtag's Java
data classes say the server writes it: Jackson names for 11.x (``inputs``, ``policySets``,
``xmloutput``, ``constraints``...), JAXB names for 10.x (``Input``, ``PolicySets.PolicySet``,
``policyAttribute``...). Over-HTTPS tests of these clients need the test server's admin
resources.
"""

from __future__ import annotations

import copy
import json

import pki
import pki.authority
import pki.feature
import pki.group
import pki.profile
import pki.system
import pki.user
import pytest
from pki.client import PKIClient, PKIConnection
from pki.profile import (
    Descriptor,
    PolicyConstraint,
    PolicyConstraintValue,
    PolicyDefault,
    PolicySet,
    Profile,
    ProfileAttribute,
    ProfileDataInfoCollection,
    ProfileInput,
    ProfileOutput,
    ProfileParameter,
    ProfilePolicy,
)
from pki.resource import dump_json
from pki.subsystem import SubsystemClient


def offline_client() -> PKIClient:
    """A PKIClient on a closed port whose API is known: building clients makes no request."""
    return PKIClient("https://127.0.0.1:1", api_version="v2")


# --- profiles -----------------------------------------------------------------------------

SUBJECT_DEFAULT_ATTR = {"name": "name", "Descriptor": {"Syntax": "string",
                                                       "Description": "Subject Name"}}
CONSTRAINT_DESCRIPTOR = {"Syntax": "string", "Description": "Subject Name Pattern"}

PROFILE_11 = {
    "id": "caIPAserviceCert",
    "classId": "caEnrollImpl",
    "name": "IPA-RA Agent-Authenticated Server Certificate Enrollment",
    "description": "This certificate profile is for enrolling server certificates.",
    "enabled": True,
    "visible": False,
    "enabledBy": "ipara",
    "authenticatorId": "raCertAuth",
    "authzAcl": "",
    "renewal": False,
    "xmloutput": False,
    "inputs": [
        {
            "id": "i1",
            "ClassID": "certReqInputImpl",
            "Name": "Certificate Request Input",
            "Text": "Certificate Request Input",
            "Attribute": [
                {"name": "cert_request_type", "Descriptor": {"Syntax": "cert_request_type",
                                                             "Description": "Type"}},
                {"name": "cert_request", "Descriptor": {"Syntax": "cert_request",
                                                        "Description": "Request"}},
            ],
            "ConfigAttribute": [],
        }
    ],
    "outputs": [
        {
            "id": "o1",
            "name": "Certificate Output",
            "text": "Certificate Output",
            "classId": "certOutputImpl",
            "attributes": [{"name": "pretty_cert", "Descriptor": {"Syntax": "pretty_print",
                                                                   "Description": "Pretty"}}],
        }
    ],
    "policySets": {
        "serverCertSet": [
            {
                "id": "1",
                "def": {
                    "name": "Subject Name Default",
                    "classId": "subjectNameDefaultImpl",
                    "text": "This default populates a Certificate Subject Name.",
                    "attributes": [SUBJECT_DEFAULT_ATTR],
                    "params": [{"name": "name", "value": "CN=$request.req_subject_name.cn$"}],
                },
                "constraint": {
                    "name": "No Constraint",
                    "classId": "noConstraintImpl",
                    "text": "No Constraint",
                    "constraints": [
                        {"name": "pattern", "descriptor": CONSTRAINT_DESCRIPTOR,
                         "value": "CN=.*"}
                    ],
                },
            },
            {"id": "2", "def": {"name": "Validity Default", "classId": "validityDefaultImpl",
                                "params": [{"name": "range", "value": "731"}]}},
        ],
        "emptySet": [],
    },
}


def profile_10x() -> dict:
    """The same profile as 10.x (JAXB) wrote it."""
    old = copy.deepcopy(PROFILE_11)
    old["Input"] = old.pop("inputs")
    old["Output"] = old.pop("outputs")
    old["xmlOutput"] = old.pop("xmloutput")
    sets = []
    for set_id, policies in old.pop("policySets").items():
        for policy in policies:
            default = policy["def"]
            default["id"] = default.pop("name")
            if "text" in default:
                default["description"] = default.pop("text")
            if "attributes" in default:
                default["policyAttribute"] = default.pop("attributes")
            if "constraint" in policy:
                constraint = policy["constraint"]
                constraint["id"] = constraint.pop("name")
                constraint["description"] = constraint.pop("text")
                constraint["constraint"] = constraint.pop("constraints")
                for value in constraint["constraint"]:
                    value["id"] = value.pop("name")
        sets.append({"id": set_id, "value": policies})
    old["PolicySets"] = {"PolicySet": sets}
    return old


@pytest.mark.parametrize("shape", ["11.x", "10.x"])
def test_profile_reads_both_spellings(shape: str) -> None:
    body = copy.deepcopy(PROFILE_11) if shape == "11.x" else profile_10x()
    profile = Profile.from_json(copy.deepcopy(body))
    assert (profile.profile_id, profile.class_id, profile.enabled, profile.visible) == (
        "caIPAserviceCert", "caEnrollImpl", True, False
    )
    assert (profile.enabled_by, profile.authenticator_id, profile.authorization_acl) == (
        "ipara", "raCertAuth", ""
    )
    assert profile.xml_output is False and profile.renewal is False
    assert [i.profile_input_id for i in profile.inputs] == ["i1"]
    assert profile.get_input("i1").get_attribute("cert_request").descriptor.syntax == (
        "cert_request"
    )
    assert profile.outputs[0].get_attribute("pretty_cert").descriptor.description == "Pretty"
    assert [s.name for s in profile.policy_set_list] == ["serverCertSet", "emptySet"]
    server_set = profile.get_policy_set("serverCertSet")
    policy = server_set.get_policy("1")
    assert policy.policy_default.name == "Subject Name Default"
    assert policy.policy_default.description.startswith("This default populates")
    assert policy.policy_default.get_attribute("name").descriptor.description == "Subject Name"
    assert policy.policy_default.get_parameter("name").value.startswith("CN=$request")
    value = policy.policy_constraint.get_constraint_value("pattern")
    assert (value.value, value.descriptor.description) == ("CN=.*", "Subject Name Pattern")
    assert server_set.get_policy("2").policy_constraint is None
    assert profile.policy_set_list.PolicySet is profile.policy_set_list.policy_sets
    # written back exactly as it came, in the spelling it came in
    assert json.loads(dump_json(profile)) == body
    assert "ProfileData" in repr(profile) and "caIPAserviceCert" in repr(profile)


def test_new_profile_is_written_the_11x_way() -> None:
    profile = Profile(
        profile_id="caTestCert", class_id="caEnrollImpl", name="Test", description="d",
        enabled=False, visible=True, enabled_by="admin", renewal=False, xml_output=False,
        authorization_acl="",
    )
    profile_input = ProfileInput("i1", "subjectNameInputImpl", "Subject Name")
    profile_input.add_attribute(ProfileAttribute("sn_uid"))
    profile_input.add_attribute(ProfileAttribute("sn_cn"))
    profile.add_input(profile_input)
    profile.add_output(ProfileOutput("o1", name="Certificate Output", class_id="certOutputImpl"))
    default = PolicyDefault("Validity Default", "validityDefaultImpl", "180 days")
    default.add_attribute(ProfileAttribute("notBefore", descriptor=Descriptor("string")))
    default.add_parameter(ProfileParameter("range", "180"))
    constraint = PolicyConstraint("Validity Constraint", "at most 365 days",
                                  "validityConstraintImpl")
    constraint.add_constraint_value(PolicyConstraintValue("range", "365", Descriptor("integer")))
    profile.add_policy_set(PolicySet("userCertSet", [ProfilePolicy("2", default, constraint)]))
    body = profile.to_json()
    assert body == {
        "id": "caTestCert", "classId": "caEnrollImpl", "name": "Test", "description": "d",
        "enabled": False, "visible": True, "enabledBy": "admin", "authzAcl": "",
        "renewal": False, "xmloutput": False,
        "inputs": [{"id": "i1", "ClassID": "subjectNameInputImpl", "Name": "Subject Name",
                    "Attribute": [{"name": "sn_uid"}, {"name": "sn_cn"}],
                    "ConfigAttribute": []}],
        "outputs": [{"id": "o1", "name": "Certificate Output", "classId": "certOutputImpl",
                     "attributes": []}],
        "policySets": {"userCertSet": [{
            "id": "2",
            "def": {"name": "Validity Default", "classId": "validityDefaultImpl",
                    "text": "180 days",
                    "attributes": [{"name": "notBefore", "Descriptor": {"Syntax": "string"}}],
                    "params": [{"name": "range", "value": "180"}]},
            "constraint": {"name": "Validity Constraint", "text": "at most 365 days",
                           "classId": "validityConstraintImpl",
                           "constraints": [{"name": "range", "value": "365",
                                            "descriptor": {"Syntax": "integer"}}]},
        }]},
    }
    assert Profile.from_json(body).to_json() == body
    profile.remove_input("i1")
    profile.remove_output("o1")
    assert profile.inputs == [] and profile.get_output("o1") is None
    with pytest.raises(ValueError):
        profile.add_input("not an input")  # type: ignore[arg-type]


def test_profile_from_file(tmp_path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE_11))
    assert Profile.get_profile_data_from_file(str(path)).profile_id == "caIPAserviceCert"


def test_profile_list_keeps_enable_as_freeipa_reads_it() -> None:
    listing = ProfileDataInfoCollection.from_json(
        {
            "total": 2,
            "entries": [
                {"profileId": "caIPAserviceCert", "profileName": "IPA service",
                 "profileDescription": "d", "profileVisible": False, "profileEnable": True,
                 "profileEnableBy": "ipara",
                 "profileURL": "https://ipa.example.com/ca/v2/profiles/caIPAserviceCert"},
                {"profileId": "caServerCert", "profileName": "Server", "profileEnable": False},
            ],
        }
    )
    found = {p.profile_id: (p.profile_name, str(p.profileEnable)) for p in listing}
    assert found == {"caIPAserviceCert": ("IPA service", "True"),
                     "caServerCert": ("Server", "False")}
    assert listing.total == 2


def test_profile_client_paths() -> None:
    client = ProfileClientPaths()
    assert client.paths == {
        "list": "/ca/v2/profiles",
        "raw": "/ca/v2/profiles/caIPAserviceCert/raw",
        "create raw": "/ca/v2/profiles/raw",
        "one": "/ca/v2/profiles/caIPAserviceCert",
    }


class ProfileClientPaths:
    def __init__(self) -> None:
        profiles = pki.profile.ProfileClient(SubsystemClient(offline_client(), "ca"))
        assert profiles.account_client.subsystem_name == "ca"
        self.paths = {
            what: profiles.resource_path(resource)[0]
            for what, resource in (
                ("list", "profiles"), ("raw", "profiles/caIPAserviceCert/raw"),
                ("create raw", "profiles/raw"), ("one", "profiles/caIPAserviceCert"),
            )
        }


# --- lightweight CAs ----------------------------------------------------------------------

HOST_CA = {
    "id": "2c4a5d8e-1f3b-4c6d-9e7f-0a1b2c3d4e5f",
    "dn": "CN=Certificate Authority,O=EXAMPLE.COM",
    "issuerDN": "CN=Certificate Authority,O=EXAMPLE.COM",
    "serial": 1,
    "enabled": True,
    "description": "Host authority",
    "ready": True,
    "isHostAuthority": True,
}
SUB_CA = {
    "id": "7b1e2f3a-4c5d-6e7f-8091-a2b3c4d5e6f7",
    "parentID": HOST_CA["id"],
    "dn": "CN=Sub CA,O=EXAMPLE.COM",
    "issuerDN": HOST_CA["dn"],
    "serial": 340282366920938463463374607431768211455,
    "enabled": True,
    "description": "Sub CA",
    "ready": True,
    "isHostAuthority": False,
}


def test_authority_data() -> None:
    cas = pki.authority.AuthorityDataCollection.from_json([HOST_CA, SUB_CA])  # a bare array
    host, sub = cas.ca_list
    assert (host.aid, host.is_host_authority, host.parent_aid) == (HOST_CA["id"], True, None)
    assert (sub.parent_aid, sub.dn, sub.enabled) == (HOST_CA["id"], "CN=Sub CA,O=EXAMPLE.COM",
                                                     True)
    assert (sub.issuerDN, sub.serial, sub.ready) == (HOST_CA["dn"], SUB_CA["serial"], True)
    assert sub.to_json() == SUB_CA
    assert [c.aid for c in pki.authority.AuthorityDataCollection.from_json(SUB_CA)] == [
        SUB_CA["id"]
    ]
    # FreeIPA's create_ca body: upstream's text booleans, no id
    new = pki.authority.AuthorityData(dn="CN=New", description="CN=New", parent_aid=host.aid)
    assert (new.enabled, new.is_host_authority) == (False, False)
    assert json.loads(dump_json(new)) == {
        "description": "CN=New", "dn": "CN=New", "enabled": False, "isHostAuthority": False,
        "parentID": HOST_CA["id"],
    }
    assert pki.authority.AuthorityData(enabled="True").enabled is True
    assert "AuthorityData" in repr(new) and "CN=New" in repr(new)


def test_authority_client_checks_before_sending() -> None:
    authorities = pki.authority.AuthorityClient(SubsystemClient(offline_client(), "ca"))
    assert authorities.resource_path("authorities/x/chain")[0] == "/ca/v2/authorities/x/chain"
    for data, message in (
        (pki.authority.AuthorityData(description="d", parent_aid="p"), "Subject DN"),
        (pki.authority.AuthorityData(dn="CN=x", description="d"), "parent_aid"),
        (pki.authority.AuthorityData(dn="CN=x", parent_aid="p"), "Description"),
    ):
        with pytest.raises(ValueError, match=message):
            authorities.create_ca(data)
    with pytest.raises(ValueError, match="PEM or DER"):
        authorities.get_cert("x", "PKCS7")
    with pytest.raises(ValueError, match="PEM or PKCS7"):
        authorities.get_chain("x", "DER")
    with pytest.raises(ValueError):
        authorities.get_ca(None)  # type: ignore[arg-type]


# --- users and groups ---------------------------------------------------------------------

ADMIN = {"id": "caadmin", "UserID": "caadmin", "FullName": "CA Administrator",
         "Email": "caadmin@example.com", "type": "adminType", "state": "1", "attributes": {}}
ADMIN_CERT_ID = ("2;1;CN=CA Signing Certificate,OU=pki-tomcat,O=EXAMPLE;"
                 "CN=PKI Administrator,E=caadmin@example.com,OU=pki-tomcat,O=EXAMPLE")


def test_user_data() -> None:
    user = pki.user.UserData.from_json(ADMIN)
    assert (user.user_id, user.full_name, user.email, user.type, user.state) == (
        "caadmin", "CA Administrator", "caadmin@example.com", "adminType", "1"
    )
    assert user.to_json() == ADMIN
    users = pki.user.UserCollection.from_json(
        {"total": 2, "entries": [{"id": "caadmin", "UserID": "caadmin", "FullName": "CA Admin"},
                                 {"id": "ipara", "UserID": "ipara", "FullName": "IPA RA"}]}
    )
    assert [u.user_id for u in users.user_list] == ["caadmin", "ipara"] and users.total == 2
    # a new user with a password: sent, never shown
    new = pki.user.UserData(user_id="agent2", full_name="Second Agent", password="Secret.123")
    assert new.to_json() == {"UserID": "agent2", "FullName": "Second Agent",
                             "password": "Secret.123"}
    assert "Secret.123" not in repr(new) and "agent2" in repr(new)


def test_user_cert_and_membership_data() -> None:
    body = {"id": ADMIN_CERT_ID, "Version": 2, "SerialNumber": "0x1",
            "IssuerDN": "CN=CA Signing Certificate,OU=pki-tomcat,O=EXAMPLE",
            "SubjectDN": "CN=PKI Administrator,E=caadmin@example.com,OU=pki-tomcat,O=EXAMPLE"}
    certs = pki.user.UserCertCollection.from_json({"total": 1, "entries": [body]})
    cert = certs.cert_list[0]
    assert (cert.cert_id, cert.version, cert.serial_number) == (ADMIN_CERT_ID, 2, "0x1")
    assert cert.to_json() == body
    memberships = pki.user.UserMembershipCollection.from_json(
        {"total": 2, "entries": [{"id": "Administrators", "userID": "caadmin"},
                                 {"id": "Certificate Manager Agents", "userID": "caadmin"}]}
    )
    assert [(m.group_id, m.user_id) for m in memberships] == [
        ("Administrators", "caadmin"), ("Certificate Manager Agents", "caadmin")
    ]
    assert pki.user.UserCertData(encoded="-----BEGIN CERTIFICATE-----").to_json() == {
        "Encoded": "-----BEGIN CERTIFICATE-----"
    }


def test_user_client_paths_quote_ids() -> None:
    users = pki.user.UserClient(SubsystemClient(offline_client(), "kra"))
    assert users.subsystem_name == "kra"
    assert users.resource_path(users._user("PKI Administrator"))[0] == (
        "/kra/v2/admin/users/PKI%20Administrator"
    )
    tail = "/certs/" + pki.resource.path_id(ADMIN_CERT_ID)
    path = users.resource_path(users._user("caadmin", tail))[0]
    assert path.startswith("/kra/v2/admin/users/caadmin/certs/2%3B1%3BCN%3DCA%20Signing")
    assert "/" not in path.split("/certs/")[1]
    assert pki.user.UserClient(offline_client()).subsystem_name == "ca"
    assert pki.user.UserClient(offline_client(), "kra").subsystem_name == "kra"
    with pytest.raises(ValueError, match="User ID"):
        users.get_user("")
    with pytest.raises(ValueError, match="User ID"):
        users.add_user(pki.user.UserData(full_name="No ID"))
    with pytest.raises(ValueError, match="Group ID"):
        users.add_user_membership("caadmin", "")
    with pytest.raises(ValueError, match="Encoded"):
        users.add_user_cert("caadmin", pki.user.UserCertData())


def test_group_data_and_paths() -> None:
    body = {"id": "Certificate Manager Agents", "GroupID": "Certificate Manager Agents",
            "Description": "Agents for Certificate Manager"}
    group = pki.group.GroupData.from_json(body)
    assert (group.group_id, group.description) == (body["GroupID"], body["Description"])
    assert group.to_json() == body
    members = pki.group.GroupMemberCollection.from_json(
        {"total": 1, "entries": [{"id": "caadmin", "groupID": "Administrators"}]}
    )
    assert [(m.member_id, m.group_id) for m in members.member_list] == [
        ("caadmin", "Administrators")
    ]
    groups = pki.group.GroupCollection.from_json({"total": 1, "entries": [body]})
    assert [g.group_id for g in groups.group_list] == ["Certificate Manager Agents"]
    assert pki.group.GroupMemberData(member_id="agent2").to_json() == {"id": "agent2"}
    client = pki.group.GroupClient(SubsystemClient(offline_client(), "ca"))
    assert client.resource_path(client._group("Certificate Manager Agents", "/members"))[0] == (
        "/ca/v2/admin/groups/Certificate%20Manager%20Agents/members"
    )
    with pytest.raises(ValueError, match="Group ID"):
        client.add_group(pki.group.GroupData(description="no id"))
    with pytest.raises(ValueError, match="Member ID"):
        client.add_group_member("Administrators", "")


# --- features, security domain, status ----------------------------------------------------


def test_features() -> None:
    body = [{"id": "authority", "description": "Lightweight CAs", "version": "1.0",
             "enabled": True}]
    features = pki.feature.FeatureCollection.from_json(body)
    feature = features.feature_list[0]
    assert (feature.feature_id, feature.description, feature.version, feature.enabled) == (
        "authority", "Lightweight CAs", "1.0", True
    )
    assert feature.to_json() == body[0]
    assert pki.feature.Feature("x", "1", "d", "True").enabled is True
    assert pki.feature.Feature().enabled is False
    client = pki.feature.FeatureClient(offline_client())
    assert client.resource_path("config/features/authority")[0] == (
        "/ca/v2/config/features/authority"
    )


HOST_JSON = {
    "id": "CA ipa.example.com 443", "Hostname": "ipa.example.com", "Port": "80",
    "SecurePort": "443", "SecureEEClientAuthPort": "443", "SecureAgentPort": "443",
    "SecureAdminPort": "443", "Clone": "FALSE", "SubsystemName": "pki-tomcat",
    "DomainManager": "TRUE",
}


def test_domain_info_current_shape() -> None:
    info = pki.system.DomainInfo.from_json(
        {"id": "IPA", "subsystems": {
            "CA": {"id": "CA", "hosts": {HOST_JSON["id"]: HOST_JSON}},
            "KRA": {"id": "KRA", "hosts": {}},
        }}
    )
    assert info.id == "IPA" and sorted(info.subsystems) == ["CA", "KRA"]
    host = info.subsystems["CA"].get_host("ipa.example.com", "443")
    assert (host.id, host.SecureAdminPort, host.Clone, host.DomainManager, host.Port) == (
        "CA ipa.example.com 443", "443", "FALSE", "TRUE", "80"
    )
    assert host.to_json() == HOST_JSON
    assert not info.subsystems["KRA"].hosts
    with pytest.raises(pki.PKIException, match="ipa.example.com:8443"):
        info.subsystems["CA"].get_host("ipa.example.com", "8443")


def test_domain_info_old_shapes() -> None:
    host = dict(HOST_JSON)
    host["@id"] = host.pop("id")
    old = pki.system.DomainInfo.from_json(
        {"DomainInfo": {"@id": "EXAMPLE", "Subsystem": {"@id": "CA", "Host": host}}}
    )
    assert old.id == "EXAMPLE"
    assert list(old.subsystems["CA"].hosts) == ["CA ipa.example.com 443"]
    v102 = pki.system.DomainInfo.from_json(
        {"id": "EXAMPLE", "Subsystem": [{"id": "CA", "Host": [HOST_JSON]}]}
    )
    assert v102.subsystems["CA"].get_host("ipa.example.com", 443).Hostname == "ipa.example.com"


def test_install_token_and_security_domain_paths() -> None:
    token = pki.system.InstallToken.from_json({"token": "8364519627383946453"})
    assert token.token == "8364519627383946453" and "836451" not in repr(token)
    with pytest.raises(pki.PKIException, match="no install token"):
        pki.system.InstallToken.from_json({})
    domain = pki.system.SecurityDomainClient(SubsystemClient(offline_client(), "ca"))
    # what FreeIPA's server-del sends: DELETE .../hosts/kra%20<host>%20443
    assert domain.resource_path("securityDomain/hosts/kra%20ipa.example.com%20443")[0] == (
        "/ca/v2/securityDomain/hosts/kra%20ipa.example.com%20443"
    )


def test_system_status_client_urls() -> None:
    conn = PKIConnection("http", "ipa.example.com", "8080")
    assert pki.system.SystemStatusClient(conn, "ca").get_status_url == "/ca/admin/ca/getStatus"
    legacy = PKIConnection("http", "ipa.example.com", "8080", "kra")
    assert pki.system.SystemStatusClient(legacy).get_status_url == "/admin/kra/getStatus"
    with pytest.raises(pki.PKIException, match="Missing subsystem"):
        pki.system.SystemStatusClient(conn)
    assert pki.system.SystemStatusClient(offline_client(), "kra").connection.port == "1"
