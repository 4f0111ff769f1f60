"""Every path to a governed resource, normalised once into the shape the rules already read (README.md, "Every path to a governed resource").

A resource can reach Azure in four ways; the rules read only the first, so this module turns the other
three into *views*: (azure-native type, azure-native-shaped properties, a message prefix naming the path).

1. a typed azure-native resource: read as it is (no view; the fast path, decided by the type token alone);
2. azure-native's generic `resources:Resource`: namespace + (parent path +) type name the ARM type, the ARM
   body (`properties`, top-level `kind`/`sku`/`identity`/`location`/`tags`) is reshaped per type (`ARM_TYPES`);
3. resources inside an ARM template deployment (`resources:Deployment`, its scope variants and the
   deployment stacks): `template.resources` as an array or a symbolic-name object, child resources,
   inline nested `Microsoft.Resources/deployments`; `[parameters('x')]` resolves from the deployment's
   parameters or the template's `defaultValue`, any other expression becomes an unknown value, so a setting
   computed by an expression is "must be known at preview" and a reference counts as present;
4. the Terraform-bridged classic provider (`azure:<module>/<resource>:<Resource>`): its arguments and
   their documented defaults map to azure-native names (`CLASSIC`); a control the provider cannot express
   is reported with a pointer to the azure-native resource that can.

What cannot be read is never a pass: a generic body unknown at preview yields a view that each rule of
that type reports as unverifiable, and `unreadable` lists what `arm-template-inspectable` reports
(template links, template specs, unknown templates or resource types).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from .helpers import MISSING, UNKNOWN, at, fmt, is_unknown

AN = "azure-native:"
GENERIC = AN + "resources:Resource"
DEPLOYMENTS: Final = frozenset(
    AN + "resources:" + t
    for t in (
        "Deployment",
        "DeploymentAtScope",
        "DeploymentAtSubscriptionScope",
        "DeploymentAtManagementGroupScope",
        "DeploymentAtTenantScope",
    )
)
DEPLOYMENT_STACKS: Final = frozenset(
    AN + "resources:" + t
    for t in (
        "DeploymentStackAtResourceGroup",
        "DeploymentStackAtSubscription",
        "DeploymentStackAtManagementGroup",
    )
)
TEMPLATE_HOLDERS: Final = DEPLOYMENTS | DEPLOYMENT_STACKS
NESTED_DEPLOYMENT = "microsoft.resources/deployments"
UNKNOWN_VALUE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown sentinel: a template expression becomes this value, so rules treat it as unknown."""


@dataclass(frozen=True)
class View:
    """One governed resource reached through a path: what the rules read, and how messages name it."""

    type: str
    """The azure-native type token the rules match (`azure-native:storage:StorageAccount`)."""
    name: str
    """The inner resource's name (for messages and `exemptResources` as `<outer>/<inner>`)."""
    props: dict[str, Any]
    """Properties in azure-native shape (camelCase, flattened where azure-native flattens)."""
    where: str
    """The message prefix naming the path and the inner resource (ends with `: `)."""
    notes: tuple[tuple[str, str], ...] = ()
    """(azure-native path, note): a message that names the path gets the note (classic argument, ARM
    property name, template expression, or what the classic provider cannot express)."""
    unreadable: str | None = None
    """Set when the body cannot be read at preview: each rule for this type reports it instead of judging."""

    def annotate(self, message: str) -> str:
        """The rule's message with the path prefix and the notes of the properties it names."""
        extra = [note for path, note in self.notes if _mentions(message, path)]
        text = self.where + message
        return text + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def _mentions(message: str, path: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(path)}(?![\w])", message) is not None


@lru_cache(maxsize=1024)
def is_path_type(token: str) -> bool:
    """True when a (normalised) token is a generic resource, a template deployment or a classic resource."""
    return token == GENERIC or token in TEMPLATE_HOLDERS or token.split(":", 1)[0] == "azure"


# -- ARM shapes -------------------------------------------------------------------------------------

Shaper = Callable[[dict[str, Any], str, list[tuple[str, str]]], dict[str, Any]]


def _flat(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
    """azure-native flattens the ARM `properties` body into top-level inputs."""
    out = {k: v for k, v in _top(resource).items()}
    body = resource.get("properties", MISSING)
    if isinstance(body, dict):
        out.update(body)
    return out


def _nested(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
    """azure-native keeps the ARM `properties` body as a `properties` input."""
    out = _top(resource)
    if "properties" in resource:
        out["properties"] = resource["properties"]
    return out


def _top(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: resource[k] for k in ("kind", "sku", "identity", "location", "tags", "scope") if k in resource}


def _rename(tree: dict[str, Any], path: str, new: str, notes: list[tuple[str, str]], what: str) -> None:
    """Move `path` (case-insensitive keys) to the sibling key `new`, noting the original name."""
    steps = path.split(".")
    node: Any = tree
    for step in steps[:-1]:
        node = _get_ci(node, step)
        if not isinstance(node, dict):
            return
    key = _key_ci(node, steps[-1])
    if key is None:
        return
    node[new] = node.pop(key)
    prefix = ".".join(steps[:-1])
    notes.append((f"{prefix}.{new}" if prefix else new, f"({what} {path})"))


def _key_ci(node: Any, key: str) -> str | None:
    if not isinstance(node, dict):
        return None
    if key in node:
        return key
    low = key.casefold()
    return next((k for k in node if isinstance(k, str) and k.casefold() == low), None)


def _get_ci(node: Any, key: str) -> Any:
    found = _key_ci(node, key)
    return node[found] if found is not None else MISSING


def _storage(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
    """ARM storage names that differ from azure-native's."""
    out = _flat(resource, name, notes)
    _rename(out, "supportsHttpsTrafficOnly", "enableHttpsTrafficOnly", notes, "ARM property")
    _rename(out, "networkAcls", "networkRuleSet", notes, "ARM property")
    enc = _get_ci(out, "encryption")
    if isinstance(enc, dict):
        enc = out[_key_ci(out, "encryption") or "encryption"] = dict(enc)
        _rename(out, "encryption.keyvaultproperties", "keyVaultProperties", notes, "ARM property")
        _rename(out, "encryption.identity", "encryptionIdentity", notes, "ARM property")
    return out


def _flat_items(key: str) -> Shaper:
    """Flatten, and flatten each `{name, properties}` item of a list property too (NSG rules, subnets)."""

    def shape(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
        out = _flat(resource, name, notes)
        found = _key_ci(out, key)
        items = out.get(found) if found else None
        if isinstance(items, list):
            out[found or key] = [
                {**{k: v for k, v in i.items() if k != "properties"}, **i["properties"]}
                if isinstance(i, dict) and isinstance(i.get("properties"), dict)
                else i
                for i in items
            ]
        return out

    return shape


def _named(prop: str, base: Shaper) -> Shaper:
    """Also set the azure-native name input (`subnetName`, `privateZoneName`) from the ARM name."""

    def shape(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
        out = base(resource, name, notes)
        out.setdefault(prop, name.rsplit("/", 1)[-1])
        return out

    return shape


def _appinsights(resource: dict[str, Any], name: str, notes: list[tuple[str, str]]) -> dict[str, Any]:
    out = _flat(resource, name, notes)
    for arm, native in (
        ("DisableLocalAuth", "disableLocalAuth"),
        ("WorkspaceResourceId", "workspaceResourceId"),
    ):
        key = _key_ci(out, arm)
        if key is not None and key != native:
            out[native] = out.pop(key)
    return out


# ARM type (lower case) -> (azure-native type, how the ARM body maps to its inputs). One table for the
# generic resource and for templates.
ARM_TYPES: Final[dict[str, tuple[str, Shaper]]] = {
    "microsoft.machinelearningservices/workspaces": ("machinelearningservices:Workspace", _flat),
    "microsoft.machinelearningservices/workspaces/computes": ("machinelearningservices:Compute", _nested),
    "microsoft.machinelearningservices/workspaces/onlineendpoints": (
        "machinelearningservices:OnlineEndpoint",
        _nested,
    ),
    "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments": (
        "machinelearningservices:OnlineDeployment",
        _nested,
    ),
    "microsoft.machinelearningservices/workspaces/batchendpoints/deployments": (
        "machinelearningservices:BatchDeployment",
        _nested,
    ),
    "microsoft.machinelearningservices/workspaces/datastores": ("machinelearningservices:Datastore", _nested),
    "microsoft.machinelearningservices/workspaces/outboundrules": (
        "machinelearningservices:ManagedNetworkSettingsRule",
        _nested,
    ),
    "microsoft.machinelearningservices/registries": ("machinelearningservices:Registry", _flat),
    "microsoft.storage/storageaccounts": ("storage:StorageAccount", _storage),
    "microsoft.keyvault/vaults": ("keyvault:Vault", _nested),
    "microsoft.keyvault/vaults/keys": ("keyvault:Key", _nested),
    "microsoft.containerregistry/registries": ("containerregistry:Registry", _flat),
    "microsoft.insights/components": ("applicationinsights:Component", _appinsights),
    "microsoft.operationalinsights/workspaces": ("operationalinsights:Workspace", _flat),
    "microsoft.network/networksecuritygroups": ("network:NetworkSecurityGroup", _flat_items("securityRules")),
    "microsoft.network/networksecuritygroups/securityrules": ("network:SecurityRule", _flat),
    "microsoft.network/virtualnetworks": ("network:VirtualNetwork", _flat_items("subnets")),
    "microsoft.network/virtualnetworks/subnets": ("network:Subnet", _named("subnetName", _flat)),
    "microsoft.network/privateendpoints": (
        "network:PrivateEndpoint",
        _flat_items("privateLinkServiceConnections"),
    ),
    "microsoft.network/privatednszones": ("privatedns:PrivateZone", _named("privateZoneName", _flat)),
    "microsoft.authorization/roleassignments": ("authorization:RoleAssignment", _flat),
    "microsoft.authorization/roledefinitions": ("authorization:RoleDefinition", _flat),
    "microsoft.security/pricings": ("security:Pricing", _named("pricingName", _flat)),
    "microsoft.resources/resourcegroups": ("resources:ResourceGroup", _flat),
}
# Children whose azure-native resource names the parent (`workspaceName`, `vaultName`, ...).
_PARENT_INPUT: Final = {
    "microsoft.machinelearningservices/workspaces": "workspaceName",
    "microsoft.keyvault/vaults": "vaultName",
    "microsoft.network/networksecuritygroups": "networkSecurityGroupName",
    "microsoft.network/virtualnetworks": "virtualNetworkName",
}


def arm_view(
    arm_type: str, name: str, resource: dict[str, Any], where: str, notes: list[tuple[str, str]]
) -> View | None:
    """The view of one ARM-shaped resource (`{properties, kind, sku, identity, location, tags}`), or None
    for a type no rule governs."""
    entry = ARM_TYPES.get(arm_type.casefold())
    if entry is None:
        return None
    native, shaper = entry
    if is_unknown(resource.get("properties")):
        return View(AN + native, name, {}, where, tuple(notes), "properties")
    props = shaper(resource, name, notes)
    parent_type = arm_type.casefold().rsplit("/", 1)[0]
    parent_input = _PARENT_INPUT.get(parent_type)
    if parent_input and "/" in name:
        props.setdefault(parent_input, name.rsplit("/", 1)[0].rsplit("/", 1)[-1])
    return View(AN + native, name, props, where, tuple(notes))


# -- generic resources ------------------------------------------------------------------------------


def _generic(name: str, props: dict[str, Any]) -> list[View]:
    arm_type = generic_arm_type(props)
    if arm_type is None:
        return []
    rname = at(props, "resourceName")
    inner = rname if isinstance(rname, str) else name
    parent = at(props, "parentResourcePath")
    full_name = inner
    if isinstance(parent, str) and parent.strip("/"):
        names = parent.strip("/").split("/")[1::2]
        full_name = "/".join([*names, inner])
    where = f"generic resource `{name}` ({arm_type}): "
    entry = ARM_TYPES.get(arm_type.casefold())
    if entry is None:
        return []
    view = arm_view(arm_type, full_name, props, where, [])
    return [view] if view else []


def generic_arm_type(props: dict[str, Any]) -> str | None:
    """`Namespace/parentType/.../type` of a generic resource, None when a part is unknown or malformed."""
    namespace, rtype = at(props, "resourceProviderNamespace"), at(props, "resourceType")
    parent = at(props, "parentResourcePath")
    if not isinstance(namespace, str) or not isinstance(rtype, str) or is_unknown(parent):
        return None
    parts = [namespace.strip("/")]
    if isinstance(parent, str) and parent.strip("/"):
        parts += parent.strip("/").split("/")[0::2]
    parts.append(rtype.strip("/"))
    return "/".join(p for p in parts if p)


# -- ARM templates ----------------------------------------------------------------------------------

_PARAMETER = re.compile(r"\[\s*parameters\(\s*'([^']*)'\s*\)\s*\]", re.IGNORECASE)
_MAX_NESTING: Final = 10


_ID_FUNCTION = re.compile(
    r"\[\s*(resourceId|subscriptionResourceId|tenantResourceId)\((.*)\)\s*\]", re.IGNORECASE | re.S
)
_ARGUMENT = re.compile(r"\s*(?:'((?:[^']|'')*)'|parameters\(\s*'([^']*)'\s*\))\s*(?:,|$)")
_ID_PREFIX: Final = {
    "resourceid": "/subscriptions/{subscription}/resourceGroups/{resource group}/providers/",
    "subscriptionresourceid": "/subscriptions/{subscription}/providers/",
    "tenantresourceid": "/providers/",
}


def _resource_id(expression: str, params: _Params) -> str | None:
    """`[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '<guid>')]` and its kin built
    from literals or parameters: the ID with its known segments (the subscription and resource group are
    placeholders), so a role assignment's built-in role is read. Anything else: None."""
    m = _ID_FUNCTION.fullmatch(expression.strip())
    if m is None:
        return None
    args: list[str] = []
    rest = m.group(2)
    while rest.strip():
        a = _ARGUMENT.match(rest)
        if a is None:
            return None
        if a.group(1) is not None:
            args.append(a.group(1).replace("''", "'"))
        else:
            value = params.value(a.group(2))
            if not isinstance(value, str) or is_unknown(value):
                return None
            args.append(value)
        rest = rest[a.end() :]
    if len(args) < 2 or "/" not in args[0]:
        return None  # the leading subscription / resource group arguments are not read
    namespace, _, types = args[0].partition("/")
    segments = [f"{t}/{n}" for t, n in zip(types.split("/"), args[1:], strict=False)]
    return _ID_PREFIX[m.group(1).casefold()] + namespace + "/" + "/".join(segments)


class _Params:
    """Resolves `[parameters('x')]`: the deployment's value, else the template's defaultValue."""

    def __init__(self, template: dict[str, Any], given: Any, outer: _Params | None) -> None:
        self.declared = template.get("parameters") if isinstance(template.get("parameters"), dict) else {}
        self.given = given
        self.outer = outer

    def value(self, name: str) -> Any:
        if is_unknown(self.given):
            return UNKNOWN_VALUE
        supplied = _get_ci(self.given, name) if isinstance(self.given, dict) else MISSING
        if isinstance(supplied, dict):
            if "reference" in supplied and "value" not in supplied:
                return UNKNOWN_VALUE  # a Key Vault reference: resolved by ARM at deployment
            if "value" in supplied:
                value = supplied["value"]
                return UNKNOWN_VALUE if value is None else value
        elif is_unknown(supplied):
            return UNKNOWN_VALUE
        declared = _get_ci(self.declared, name)
        if isinstance(declared, dict) and "defaultValue" in declared:
            default = declared["defaultValue"]
            # a default is itself an expression in this template's scope (e.g. resourceGroup().location)
            return resolve(default, self)
        return UNKNOWN_VALUE


def resolve(value: Any, params: _Params, notes: list[tuple[str, str]] | None = None, path: str = "") -> Any:
    """A template value with `[parameters('x')]` resolved and every other expression unknown.

    `notes` collects (path, note) for each expression, so a message about that property names it.
    """
    if isinstance(value, str):
        if value.startswith("[[") or not (value.startswith("[") and value.endswith("]")):
            return value[1:] if value.startswith("[[") else value
        resource_id = _resource_id(value, params)
        if resource_id is not None:
            if notes is not None and path:
                notes.append((path, f"(template expression {fmt(value)})"))
            return resource_id
        m = _PARAMETER.fullmatch(value)
        if m:
            resolved = params.value(m.group(1))
            if notes is not None and path:
                shown = "unknown at preview" if is_unknown(resolved) else f"= {fmt(resolved)}"
                notes.append((path, f"(template parameter {m.group(1)} {shown})"))
            return resolved
        if notes is not None and path:
            notes.append((path, f"(template expression {fmt(value)})"))
        return UNKNOWN_VALUE
    if isinstance(value, dict):
        return {k: resolve(v, params, notes, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params, notes, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value)]
    return value


def template_resources(template: Any) -> Iterator[tuple[str, Any]]:
    """(symbolic name or index, resource) for `resources` as an array or a symbolic-name object."""
    resources = template.get("resources") if isinstance(template, dict) else None
    if isinstance(resources, list):
        yield from ((str(i), r) for i, r in enumerate(resources))
    elif isinstance(resources, dict):
        yield from ((str(k), r) for k, r in resources.items())


def _full_type(rtype: str, parent_type: str | None) -> str:
    """A child's type in full: `computes` under workspaces is `.../workspaces/computes`."""
    if parent_type and not re.match(r"^[A-Za-z0-9]+\.[A-Za-z0-9.]+/", rtype):
        return f"{parent_type}/{rtype}"
    return rtype


def _skip(resource: dict[str, Any]) -> bool:
    """`existing` references and resources whose condition is literally false are not deployed."""
    return resource.get("existing") is True or resource.get("condition") is False


class _Walk:
    """Walks a template: views of governed resources, and what cannot be read (for arm-template-inspectable)."""

    def __init__(self, outer: str, scope_default: str | None) -> None:
        self.outer = outer
        self.scope_default = scope_default
        self.views: list[View] = []
        self.unreadable: list[str] = []

    def template(
        self, template: Any, params: _Params, chain: str, depth: int, parent_type: str | None = None
    ) -> None:
        resources = template.get("resources") if isinstance(template, dict) else None
        if resources is not None and not isinstance(resources, list | dict):
            shown = "unknown at preview" if is_unknown(resources) else f"is {fmt(resources)}"
            self.unreadable.append(
                f"{chain}template resources {shown}; it must be an array or an object of resources."
            )
        for key, resource in template_resources(template):
            self.resource(resource, key, params, chain, depth, parent_type)

    def resource(
        self, resource: Any, key: str, params: _Params, chain: str, depth: int, parent_type: str | None
    ) -> None:
        if is_unknown(resource):
            self.unreadable.append(f"{chain}resource {key} must be known at preview; it cannot be judged.")
            return
        if not isinstance(resource, dict) or _skip(resource):
            return
        rtype = resolve(resource.get("type"), params)
        raw_name = resource.get("name")
        name = resolve(raw_name, params)
        shown_name = name if isinstance(name, str) and not is_unknown(name) else str(raw_name or key)
        if not isinstance(rtype, str) or is_unknown(rtype):
            self.unreadable.append(
                f"{chain}resource {fmt(shown_name)}: type is {fmt(resource.get('type'))}; "
                "it must be a literal so the resource can be judged."
            )
            return
        full = _full_type(rtype, parent_type)
        if full.casefold() == NESTED_DEPLOYMENT:
            self.nested(resource, shown_name, params, chain, depth)
        else:
            notes: list[tuple[str, str]] = []
            resolved = resolve(resource, params, notes)
            if self.scope_default and "scope" not in resolved:
                resolved["scope"] = self.scope_default
            view = arm_view(
                full, shown_name, _arm_body(resolved, notes), f"{chain}{full} `{shown_name}`: ", notes
            )
            if view is not None:
                self.views.append(view)
        children = resource.get("resources")
        if isinstance(children, list):
            for i, child in enumerate(children):
                if isinstance(child, dict) and isinstance(child.get("name"), str):
                    child_name = resolve(child["name"], params)
                    if isinstance(child_name, str) and "/" not in child_name and not is_unknown(child_name):
                        child = {**child, "name": f"{shown_name}/{child_name}"}
                self.resource(child, f"{key}.resources[{i}]", params, chain, depth, full)

    def nested(self, resource: dict[str, Any], name: str, params: _Params, chain: str, depth: int) -> None:
        here = f"{chain}nested deployment `{name}`"
        props = resource.get("properties")
        if not isinstance(props, dict):
            shown = (
                "unknown at preview"
                if is_unknown(props)
                else f"is {fmt(props)}"
                if props is not None
                else "not set"
            )
            self.unreadable.append(
                f"{here}: properties {shown}; it must hold an inline template to be judged."
            )
            return
        problems = link_problems(props, here)
        if problems:
            self.unreadable += problems
            return
        template = props.get("template")
        if is_unknown(template) or not isinstance(template, dict):
            self.unreadable.append(f"{here}: properties.template must be an inline object known at preview.")
            return
        if depth >= _MAX_NESTING:
            self.unreadable.append(f"{here}: nested deeper than {_MAX_NESTING} levels; it cannot be judged.")
            return
        scope = at(props, "expressionEvaluationOptions.scope")
        if isinstance(scope, str) and scope.casefold() == "inner":
            given = resolve(props.get("parameters", {}), params)
            inner = _Params(template, given, params)
        else:
            inner = params  # outer scope: the nested template's expressions read the parent's parameters
        outer_scope = self.scope_default
        if "resourceGroup" in resource:
            self.scope_default = None  # a nested deployment into a resource group: its resources' default
        elif "subscriptionId" in resource:
            self.scope_default = "/subscriptions/{deployment subscription}"
        try:
            self.template(template, inner, f"{here}, ", depth + 1)
        finally:
            self.scope_default = outer_scope


def _arm_body(resolved: dict[str, Any], notes: list[tuple[str, str]]) -> dict[str, Any]:
    """Template notes are recorded at ARM paths (`properties.x`); flattened types read `x`: note both."""
    for path, note in list(notes):
        if path.startswith("properties."):
            notes.append((path[len("properties.") :], note))
    return resolved


def link_problems(props: dict[str, Any], here: str) -> list[str]:
    """A template given by link or template spec cannot be read at preview."""
    out: list[str] = []
    link = props.get("templateLink")
    if link is not None and link is not MISSING:
        target = at(link, "id") if at(link, "id") is not MISSING else at(link, "uri")
        shown = "unknown at preview" if target is UNKNOWN else fmt(target) if target is not MISSING else "set"
        kind = "a template spec" if at(link, "id") is not MISSING else "a linked template"
        out.append(
            f"{here}: templateLink ({kind}, {shown}) cannot be read at preview; put the template inline "
            "(properties.template) so every resource in it is judged."
        )
    return out


def _deployment_scope(token: str, props: dict[str, Any]) -> str | None:
    """The scope a resource of the template deploys to when it names none (role assignments read it)."""
    if token.endswith(("AtSubscriptionScope", "StackAtSubscription")):
        return "/subscriptions/{deployment subscription}"
    if token.endswith(("AtManagementGroupScope", "StackAtManagementGroup")):
        return "/providers/Microsoft.Management/managementGroups/{deployment management group}"
    if token.endswith("AtTenantScope"):
        return "/"
    if token.endswith("AtScope"):
        scope = at(props, "scope")
        return scope if isinstance(scope, str) else None
    return None


def _deployment(token: str, name: str, props: dict[str, Any]) -> tuple[list[View], list[str]]:
    stack = token in DEPLOYMENT_STACKS
    body = props if stack else at(props, "properties")
    kind = "ARM deployment stack" if stack else "ARM deployment"
    here = f"in {kind} `{name}`"
    prefix = "" if stack else "properties."
    if body is UNKNOWN:
        return [], [f"{here}: properties must be known at preview; the resources in it cannot be judged."]
    if not isinstance(body, dict):
        shown = "not set" if body is MISSING else f"is {fmt(body)}"
        return [], [f"{here}: properties {shown}; it must hold an inline template to be judged."]
    problems = link_problems(body, here)
    template = body.get("template")
    if problems:
        return [], problems
    if is_unknown(template):
        return [], [
            f"{here}: {prefix}template must be known at preview (it is computed from another resource's "
            "output); the resources in it cannot be judged."
        ]
    if not isinstance(template, dict):
        if template is None or template is MISSING:
            return [], [f"{here}: no {prefix}template; put the template inline so its resources are judged."]
        return [], [f"{here}: {prefix}template is {fmt(template)}; it must be an inline template object."]
    walk = _Walk(name, _deployment_scope(token, props))
    params = _Params(template, body.get("parameters", {}), None)
    walk.template(template, params, f"{here}, ", 0)
    return walk.views, walk.unreadable


# -- entry points -----------------------------------------------------------------------------------


def views_of(token: str, name: str, props: dict[str, Any]) -> list[View]:
    """The governed resources a path resource declares (empty for typed and ungoverned resources)."""
    if token == GENERIC:
        return _generic(name, props)
    if token in TEMPLATE_HOLDERS:
        return _deployment(token, name, props)[0]
    if token.startswith("azure:"):
        from .classic import classic_view

        view = classic_view(token, name, props)
        return [view] if view else []
    return []


def unreadable(token: str, name: str, props: dict[str, Any]) -> list[str]:
    """What `arm-template-inspectable` reports: the parts of a deployment or generic resource nobody can judge."""
    if token in TEMPLATE_HOLDERS:
        return _deployment(token, name, props)[1]
    if token == GENERIC and generic_arm_type(props) is None:
        parts = ("resourceProviderNamespace", "resourceType", "parentResourcePath")
        unknown = [p for p in parts if at(props, p) is UNKNOWN]
        if unknown:
            listed = ", ".join(unknown)
            return [
                f"generic resource `{name}`: {listed} must be known at preview; its type decides which controls apply."
            ]
    return []


def native_dependencies(token: str, deps: dict[str, set[str]]) -> dict[str, set[str]]:
    """Property dependencies under the names the stack rules read (classic arguments renamed)."""
    if not token.startswith("azure:"):
        return deps
    from .classic import CLASSIC

    spec = CLASSIC.get(token)
    if spec is None:
        return deps
    out = dict(deps)
    for arg in spec.args:
        top_classic, top_native = arg.classic.split(".", 1)[0], arg.native.split(".", 1)[0]
        if top_classic in deps:
            out.setdefault(top_native, set()).update(deps[top_classic])
    return out
