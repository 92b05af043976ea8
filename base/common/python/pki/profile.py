"""Certificate profiles: ``ProfileClient`` and the profile data classes.

The data classes have upstream's names, constructor signatures and attributes. They read both
spellings the server has used: 11.x (Jackson: ``inputs``, ``outputs``, ``policySets`` as a map
of set ID to policies, policy defaults ``name``/``text``/``attributes``, constraints
``name``/``text``/``constraints``) and 10.x (JAXB: ``Input``, ``Output``,
``PolicySets.PolicySet[{id, value}]``, ``id``/``description``/``policyAttribute``,
``constraint``). New objects are written in the 11.x spelling; an object read from JSON is
written back in the spelling it was read in, so a review or profile posted back loses nothing.
Enrollment inputs and outputs (``ProfileInput``, ``ProfileOutput``, ``ProfileAttribute``,
``Descriptor``) are the same classes in both versions.

``ProfileClient`` administers profiles (``/ca/<api>/profiles``): list, get, create, modify,
enable, disable and delete, in JSON or in the raw ``key=value`` form FreeIPA uses. As
upstream, each call logs in first and out afterwards (the server checks profile ACLs against
the session's principal); here the logout also happens when the call fails.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

import pki
import pki.account
import pki.client
import pki.encoder
from pki.resource import (
    DataCollection,
    JSONData,
    ResourceClient,
    as_list,
    data,
    expect_object,
    json_field,
)

__all__ = [
    "ProfileDataInfo",
    "ProfileDataInfoCollection",
    "Descriptor",
    "ProfileAttribute",
    "ProfileInput",
    "ProfileOutput",
    "ProfileParameter",
    "PolicyDefault",
    "PolicyConstraintValue",
    "PolicyConstraint",
    "ProfilePolicy",
    "ProfilePolicySet",
    "PolicySet",
    "PolicySetList",
    "Profile",
    "ProfileClient",
]

logger = logging.getLogger(__name__)


# --- the profile list ------------------------------------------------------------------------


@data
class ProfileDataInfo(JSONData):
    """One entry of a profile list. 11.x also sends ``profileVisible``, ``profileEnable`` and
    ``profileEnableBy``; they stay attributes of those names, as upstream (FreeIPA reads
    ``profileEnable``)."""

    profile_id: str | None = json_field("profileId", show=True)
    profile_name: str | None = json_field("profileName", show=True)
    profile_description: str | None = json_field("profileDescription", show=True)
    profile_url: str | None = json_field("profileURL", show=True)


class ProfileDataInfoCollection(DataCollection[ProfileDataInfo]):
    """A page of ``ProfileDataInfo`` (``profile_data_list``) plus the server's ``total``."""

    item_type = ProfileDataInfo
    items_attr = "profile_data_list"
    profile_data_list: list[ProfileDataInfo]


# --- inputs, outputs, attributes ---------------------------------------------------------------


class _Named:
    """``add_*``/``remove_*``/``get_*`` over a list of objects found by an attribute."""

    @staticmethod
    def _find(items: list[Any], attr: str, value: Any) -> Any:
        for item in items:
            if getattr(item, attr) == value:
                return item
        return None

    @staticmethod
    def _remove(items: list[Any], attr: str, value: Any) -> None:
        items[:] = [item for item in items if getattr(item, attr) != value]

    @staticmethod
    def _add(items: list[Any], item: Any, cls: type, what: str) -> None:
        if not isinstance(item, cls):
            raise ValueError(f"Object passed is not a {what}.")
        items.append(item)


@data
class Descriptor(JSONData):
    """How a profile attribute is described: syntax, constraint, description, default."""

    syntax: str | None = json_field("Syntax")
    constraint: str | None = json_field("Constraint")
    description: str | None = json_field("Description")
    default_value: str | None = json_field("DefaultValue")


@data
class ProfileAttribute(JSONData):
    """A named value (``{"name", "Value", "Descriptor"}``): an enrollment input, a policy
    default's attribute. The value is never shown by ``repr()`` (it may be a password)."""

    name: str | None = json_field("name", show=True)
    value: Any = json_field("Value")
    descriptor: Descriptor | None = json_field("Descriptor", item=Descriptor)


class _Attributes(_Named):
    attributes: list[ProfileAttribute]

    def add_attribute(self, profile_attribute: ProfileAttribute) -> None:
        """Append a ``ProfileAttribute``."""
        self._add(self.attributes, profile_attribute, ProfileAttribute, "ProfileAttribute")

    def remove_attribute(self, profile_attribute_name: str) -> None:
        """Remove the attribute of that name."""
        self._remove(self.attributes, "name", profile_attribute_name)

    def get_attribute(self, profile_attribute_name: str) -> ProfileAttribute | None:
        """The attribute of that name, or None."""
        return self._find(self.attributes, "name", profile_attribute_name)


@data
class ProfileInput(_Attributes, JSONData):
    """A group of enrollment inputs (the CSR, the subject name, the submitter...)."""

    profile_input_id: str | None = json_field("id", show=True)
    class_id: str | None = json_field("ClassID")
    name: str | None = json_field("Name", show=True)
    text: str | None = json_field("Text")
    attributes: list[ProfileAttribute] = json_field("Attribute", item=ProfileAttribute, many=True)
    config_attributes: list[ProfileAttribute] = json_field(
        "ConfigAttribute", item=ProfileAttribute, many=True
    )

    def add_config_attribute(self, profile_attribute: ProfileAttribute) -> None:
        """Append a configuration attribute."""
        self._add(self.config_attributes, profile_attribute, ProfileAttribute, "ProfileAttribute")

    def remove_config_attribute(self, config_attribute_name: str) -> None:
        """Remove the configuration attribute of that name."""
        self._remove(self.config_attributes, "name", config_attribute_name)

    def get_config_attribute(self, config_attribute_name: str) -> ProfileAttribute | None:
        """The configuration attribute of that name, or None."""
        return self._find(self.config_attributes, "name", config_attribute_name)


@data
class ProfileOutput(_Attributes, JSONData):
    """What an enrollment produces (``{"id", "name", "text", "classId", "attributes"}``)."""

    profile_output_id: str | None = json_field("id", show=True)
    name: str | None = json_field("name", show=True)
    text: str | None = json_field("text")
    class_id: str | None = json_field("classId")
    attributes: list[ProfileAttribute] = json_field(
        "attributes", item=ProfileAttribute, many=True
    )


# --- policies --------------------------------------------------------------------------------


@data
class ProfileParameter(JSONData):
    """A configuration parameter of a policy default (``{"name", "value"}``)."""

    name: str | None = json_field("name", show=True)
    value: Any = json_field("value")


@data
class PolicyDefault(_Named, JSONData):
    """The default half of a policy: which values it puts in the certificate."""

    name: str | None = json_field("name", aliases=("id",), show=True)
    class_id: str | None = json_field("classId", show=True)
    description: str | None = json_field("text", aliases=("description",))
    policy_attributes: list[ProfileAttribute] = json_field(
        "attributes", aliases=("policyAttribute",), item=ProfileAttribute, many=True
    )
    policy_params: list[ProfileParameter] = json_field(
        "params", item=ProfileParameter, many=True
    )

    def add_attribute(self, policy_attribute: ProfileAttribute) -> None:
        self._add(self.policy_attributes, policy_attribute, ProfileAttribute, "ProfileAttribute")

    def remove_attribute(self, policy_attribute_name: str) -> None:
        self._remove(self.policy_attributes, "name", policy_attribute_name)

    def get_attribute(self, policy_attribute_name: str) -> ProfileAttribute | None:
        return self._find(self.policy_attributes, "name", policy_attribute_name)

    def add_parameter(self, policy_parameter: ProfileParameter) -> None:
        self._add(self.policy_params, policy_parameter, ProfileParameter, "ProfileParameter")

    def remove_parameter(self, profile_parameter_name: str) -> None:
        self._remove(self.policy_params, "name", profile_parameter_name)

    def get_parameter(self, profile_parameter_name: str) -> ProfileParameter | None:
        return self._find(self.policy_params, "name", profile_parameter_name)


@data
class PolicyConstraintValue(JSONData):
    """One constraint setting (11.x ``{"name", "value", "descriptor"}``, 10.x ``id``)."""

    name: str | None = json_field("name", aliases=("id",), show=True)
    value: Any = json_field("value")
    descriptor: Descriptor | None = json_field("descriptor", item=Descriptor)


@data
class PolicyConstraint(_Named, JSONData):
    """The constraint half of a policy: which requested values it accepts."""

    name: str | None = json_field("name", aliases=("id",), show=True)
    description: str | None = json_field("text", aliases=("description",))
    class_id: str | None = json_field("classId", show=True)
    policy_constraint_values: list[PolicyConstraintValue] = json_field(
        "constraints", aliases=("constraint",), item=PolicyConstraintValue, many=True
    )

    def add_constraint_value(self, policy_constraint_value: PolicyConstraintValue) -> None:
        self._add(
            self.policy_constraint_values, policy_constraint_value, PolicyConstraintValue,
            "PolicyConstraintValue",
        )

    def remove_constraint_value(self, policy_constraint_value_name: str) -> None:
        self._remove(self.policy_constraint_values, "name", policy_constraint_value_name)

    def get_constraint_value(
        self, policy_constraint_value_name: str
    ) -> PolicyConstraintValue | None:
        return self._find(
            self.policy_constraint_values, "name", policy_constraint_value_name
        )


@data
class ProfilePolicy(JSONData):
    """A policy: its ID, default and constraint."""

    policy_id: str | None = json_field("id", show=True)
    policy_default: PolicyDefault | None = json_field("def", item=PolicyDefault)
    policy_constraint: PolicyConstraint | None = json_field("constraint", item=PolicyConstraint)


@data
class ProfilePolicySet(JSONData):
    """The policies of a request review (``{"policies": [...]}``)."""

    policies: list[ProfilePolicy] = json_field("policies", item=ProfilePolicy, many=True)


@data
class PolicySet(_Named, JSONData):
    """A named list of policies (10.x JSON ``{"id", "value"}``)."""

    name: str | None = json_field("id", show=True)
    policy_list: list[ProfilePolicy] = json_field("value", item=ProfilePolicy, many=True)

    def add_policy(self, profile_policy: ProfilePolicy) -> None:
        self._add(self.policy_list, profile_policy, ProfilePolicy, "ProfilePolicy")

    def remove_policy(self, policy_id: str) -> None:
        self._remove(self.policy_list, "policy_id", policy_id)

    def get_policy(self, policy_id: str) -> ProfilePolicy | None:
        return self._find(self.policy_list, "policy_id", policy_id)


# Inside PolicySetList, "PolicySet" is upstream's property: annotations use this alias.
_PolicySet = PolicySet


class PolicySetList(_Named):
    """A profile's policy sets.

    11.x sends them as a map, ``{"<set id>": [policy, ...]}``; 10.x as
    ``{"PolicySet": [{"id": "<set id>", "value": [policy, ...]}]}``. ``to_json`` writes the
    spelling the list was read in (11.x for a new list). ``policy_sets`` (also reachable as
    ``PolicySet``, as upstream) holds the ``PolicySet`` objects.
    """

    def __init__(self, policy_sets: list[_PolicySet] | None = None) -> None:
        self.policy_sets = policy_sets if policy_sets is not None else []
        self._legacy = False

    @property
    def PolicySet(self) -> list[_PolicySet]:  # noqa: N802 - upstream's attribute name
        return self.policy_sets

    def __iter__(self) -> Any:
        return iter(self.policy_sets)

    def __repr__(self) -> str:
        return f"PolicySetList({[s.name for s in self.policy_sets]})"

    def add_policy_set(self, policy_set: _PolicySet) -> None:
        self._add(self.policy_sets, policy_set, _PolicySet, "PolicySet")

    def remove_policy_set(self, policy_set_name: str) -> None:
        self._remove(self.policy_sets, "name", policy_set_name)

    def get_policy_set(self, policy_set_name: str) -> _PolicySet | None:
        return self._find(self.policy_sets, "name", policy_set_name)

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> PolicySetList | None:
        if attr_list is None:
            return None
        ret = cls()
        legacy_sets = as_list(expect_object(attr_list, cls.__name__).get("PolicySet"))
        if set(attr_list) == {"PolicySet"} and all(
            isinstance(s, dict) and "value" in s for s in legacy_sets
        ):
            ret._legacy = True
            parsed_sets = (_PolicySet.from_json(s) for s in legacy_sets)
            ret.policy_sets = [s for s in parsed_sets if s is not None]
            return ret
        for set_id, policies in attr_list.items():
            parsed = (ProfilePolicy.from_json(p) for p in as_list(policies))
            ret.policy_sets.append(_PolicySet(set_id, [p for p in parsed if p is not None]))
        return ret

    def to_json(self) -> dict[str, Any]:
        if self._legacy:
            return {"PolicySet": [s.to_json() for s in self.policy_sets]}
        return {str(s.name): [p.to_json() for p in s.policy_list] for s in self.policy_sets}


# --- the profile -------------------------------------------------------------------------------


@data
class Profile(JSONData):
    """A certificate profile as ``GET /ca/<api>/profiles/{id}`` returns it (Java
    ``ProfileData``)."""

    profile_id: str | None = json_field("id", show=True)
    class_id: str | None = json_field("classId")
    name: str | None = json_field("name", show=True)
    description: str | None = json_field("description", show=True)
    enabled: bool | None = json_field("enabled", show=True)
    visible: bool | None = json_field("visible", show=True)
    enabled_by: str | None = json_field("enabledBy")
    authenticator_id: str | None = json_field("authenticatorId")
    authorization_acl: str | None = json_field("authzAcl")
    renewal: bool | None = json_field("renewal")
    # Jackson's name for isXMLOutput() is "xmloutput"; upstream Python used "xmlOutput".
    xml_output: bool | None = json_field("xmloutput", aliases=("xmlOutput",))
    inputs: list[ProfileInput] = json_field(
        "inputs", aliases=("Input",), item=ProfileInput, many=True
    )
    outputs: list[ProfileOutput] = json_field(
        "outputs", aliases=("Output",), item=ProfileOutput, many=True
    )
    policy_set_list: PolicySetList = json_field(
        "policySets", aliases=("PolicySets",), item=PolicySetList,
        default_factory=PolicySetList,
    )
    link: Any = json_field(local=True)

    _repr_name = "ProfileData"

    def add_input(self, profile_input: ProfileInput) -> None:
        """Append a ``ProfileInput``."""
        _Named._add(self.inputs, profile_input, ProfileInput, "ProfileInput")

    def remove_input(self, profile_input_id: str) -> None:
        """Remove the input with that ID."""
        _Named._remove(self.inputs, "profile_input_id", profile_input_id)

    def get_input(self, profile_input_id: str) -> ProfileInput | None:
        """The input with that ID, or None."""
        return _Named._find(self.inputs, "profile_input_id", profile_input_id)

    def add_output(self, profile_output: ProfileOutput) -> None:
        """Append a ``ProfileOutput``."""
        _Named._add(self.outputs, profile_output, ProfileOutput, "ProfileOutput")

    def remove_output(self, profile_output_id: str) -> None:
        """Remove the output with that ID."""
        _Named._remove(self.outputs, "profile_output_id", profile_output_id)

    def get_output(self, profile_output_id: str) -> ProfileOutput | None:
        """The output with that ID, or None."""
        return _Named._find(self.outputs, "profile_output_id", profile_output_id)

    def add_policy_set(self, policy_set: PolicySet) -> None:
        """Add a ``PolicySet``."""
        if policy_set is None:
            raise ValueError("No PolicySet object provided.")
        self.policy_set_list.add_policy_set(policy_set)

    def remove_policy_set(self, policy_set_name: str) -> None:
        self.policy_set_list.remove_policy_set(policy_set_name)

    def get_policy_set(self, policy_set_name: str) -> PolicySet | None:
        return self.policy_set_list.get_policy_set(policy_set_name)

    @staticmethod
    def get_profile_data_from_file(path_to_file: str) -> Profile:
        """The ``Profile`` in a JSON file (as ``GET .../profiles/{id}`` returns it)."""
        if path_to_file is None:
            raise ValueError("File path must be specified.")
        with open(path_to_file, encoding="utf-8") as input_file:
            return Profile.from_json(json.load(input_file))


# --- the client ----------------------------------------------------------------------------------


class ProfileClient(ResourceClient):
    """Profile administration on a CA (``/ca/<api>/profiles``).

    ``parent`` is a subsystem client (``CAClient``, ``SubsystemClient(pki_client, 'ca')``),
    a ``PKIClient`` or a ``PKIConnection``. Reading needs a profile reader or agent, changes
    need an administrator, enabling and disabling a CA agent (see the server's ACLs).
    """

    default_subsystem = "ca"
    subsystem_client_attr = "ca_client"

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)
        self.account_client = pki.account.AccountClient(parent, subsystem=self.subsystem_name)

    def _in_session(
        self,
        method: str,
        resource: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
        *,
        decode: Callable[[Any], Any] | None = None,
    ) -> Any:
        """One request between ``login()`` and ``logout()`` (logout also after a failure):
        the response, or with ``decode`` its JSON decoded (as ``_send_json``)."""
        self.account_client.login()
        try:
            if decode is None:
                return self._request(method, resource, payload, params)
            return self._send_json(method, resource, payload, params, decode=decode)
        finally:
            self.account_client.logout()

    @pki.handle_exceptions()
    def list_profiles(
        self,
        start: int | None = None,
        size: int | None = None,
        *,
        visible: bool | None = None,
        enable: bool | None = None,
        enable_by: str | None = None,
    ) -> ProfileDataInfoCollection:
        """A page of the profiles (the server's default page size is 20).

        The keyword-only filters are the server's (``visible``, ``enable``, ``enableBy``),
        which the Java client offers and upstream's Python client does not.
        """
        params = {
            "start": start, "size": size, "visible": visible, "enable": enable,
            "enableBy": enable_by,
        }
        return self._in_session(
            "GET", "profiles", params=params, decode=ProfileDataInfoCollection.from_json
        )

    @pki.handle_exceptions()
    def get_profile(self, profile_id: str, raw: bool = False) -> Any:
        """The profile as a ``Profile``, or (``raw=True``) its ``key=value`` configuration."""
        if profile_id is None:
            raise ValueError("Profile ID must be specified.")
        if raw:
            return self._in_session("GET", f"profiles/{profile_id}/raw").text
        return self._in_session("GET", f"profiles/{profile_id}", decode=Profile.from_json)

    def _modify_profile_state(self, profile_id: str, action: str) -> None:
        if profile_id is None:
            raise ValueError("Profile ID must be specified.")
        self._in_session("POST", f"profiles/{profile_id}", params={"action": action})

    @pki.handle_exceptions()
    def enable_profile(self, profile_id: str) -> None:
        """Enable a profile (409 if it already is)."""
        self._modify_profile_state(profile_id, "enable")

    @pki.handle_exceptions()
    def disable_profile(self, profile_id: str) -> None:
        """Disable a profile (409 if it already is)."""
        self._modify_profile_state(profile_id, "disable")

    def _send_profile_create(self, profile_data: Any, raw: bool = False) -> Any:
        if profile_data is None:
            raise ValueError("No ProfileData specified")
        if raw:
            return self._in_session("POST", "profiles/raw", profile_data).text
        return self._in_session("POST", "profiles", profile_data, decode=Profile.from_json)

    def _send_profile_modify(
        self, profile_data: Any, profile_id: str | None = None, raw: bool = False
    ) -> Any:
        if profile_data is None:
            raise ValueError("No ProfileData specified")
        if not raw:
            profile_id = profile_data.profile_id
        if profile_id is None:
            raise ValueError("Profile Id is not specified.")
        if raw:
            return self._in_session("PUT", f"profiles/{profile_id}/raw", profile_data).text
        return self._in_session(
            "PUT", f"profiles/{profile_id}", profile_data, decode=Profile.from_json
        )

    @pki.handle_exceptions()
    def create_profile(self, profile_data: Any, raw: bool = False) -> Any:
        """Create a profile from a ``Profile``, or (``raw=True``) from its configuration text
        (which must hold ``profileId`` and ``classId``); it is created disabled."""
        return self._send_profile_create(profile_data, raw=raw)

    @pki.handle_exceptions()
    def modify_profile(
        self, profile_data: Any, profile_id: str | None = None, raw: bool = False
    ) -> Any:
        """Replace a disabled profile: a ``Profile`` (its ``profile_id`` says which), or
        (``raw=True``) configuration text for ``profile_id``."""
        return self._send_profile_modify(profile_data, profile_id=profile_id, raw=raw)

    def create_profile_from_file(self, path_to_file: str) -> Profile:
        """Create the profile described by a JSON file (as upstream, HTTP errors are not
        mapped: the ``requests`` HTTPError comes out)."""
        return self._send_profile_create(Profile.get_profile_data_from_file(path_to_file))

    def modify_profile_from_file(self, path_to_file: str) -> Profile:
        """Replace the profile described by a JSON file (HTTP errors as for
        ``create_profile_from_file``)."""
        return self._send_profile_modify(Profile.get_profile_data_from_file(path_to_file))

    @pki.handle_exceptions()
    def delete_profile(self, profile_id: str) -> Any:
        """Delete a disabled profile; returns the server's (204) response."""
        if profile_id is None:
            raise ValueError("Profile Id must be specified.")
        return self._in_session("DELETE", f"profiles/{profile_id}")


pki.encoder.NOTYPES.update(
    {
        cls.__name__: cls
        for cls in (
            Profile, ProfileInput, ProfileOutput, ProfileAttribute, Descriptor, PolicySetList,
            PolicySet, ProfilePolicy, PolicyDefault, PolicyConstraint, ProfileParameter,
            PolicyConstraintValue,
        )
    }
)
