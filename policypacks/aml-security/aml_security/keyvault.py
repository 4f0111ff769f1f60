"""Key vault and key controls (the workspace's vault and its customer-managed key)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .helpers import (
    MISSING,
    UNKNOWN,
    Anchors,
    Config,
    Resource,
    as_list,
    at,
    expect,
    fixes_for,
    fmt,
    integer,
    is_unknown,
    resource_policy,
    shown,
    unknown_message,
)
from .storage import either_or

VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"


def _recovery(r: Resource, cfg: Config) -> Iterable[str]:
    out = expect(r.props, "properties.enablePurgeProtection", [True], default="false")
    out += expect(r.props, "properties.enableSoftDelete", [True], absent_ok=True)
    return out


def check_rbac(r: Resource, cfg: Config) -> list[str]:
    """properties.enableRbacAuthorization true (access policies otherwise)."""
    return expect(r.props, "properties.enableRbacAuthorization", [True], default="false (access policies)")


def _network(r: Resource, cfg: Config) -> Iterable[str]:
    return either_or(
        r.props,
        ("properties.publicNetworkAccess", "Disabled", "Enabled"),
        ("properties.networkAcls.defaultAction", "Deny", "Allow"),
    )


RSA = ("rsa", "rsa-hsm")
EC = ("ec", "ec-hsm")
STRONG_CURVES = ("P-256", "P-256K", "P-384", "P-521")


def _strength(r: Resource, cfg: Config) -> Iterable[str]:
    kty = at(r.props, "properties.kty")
    if kty is UNKNOWN:
        return [unknown_message("properties.kty")]
    kind = kty.casefold() if isinstance(kty, str) else ""
    if kind in RSA:
        minimum = cfg.integer("minimumRsaKeySize")
        size = at(r.props, "properties.keySize")
        if size is UNKNOWN:
            return [unknown_message("properties.keySize")]
        if size is MISSING:
            return [f"properties.keySize is not set; Azure's default is 2048, set it to at least {minimum}."]
        if not isinstance(size, int | float) or isinstance(size, bool):
            return [f"properties.keySize is {fmt(size)}; RSA keys must be at least {minimum} bits."]
        if size < minimum:
            return [f"properties.keySize is {fmt(size)}; RSA keys must be at least {minimum} bits."]
        return []
    if kind in EC:
        return expect(r.props, "properties.curveName", STRONG_CURVES, absent_ok=True)
    if kind in ("oct", "oct-hsm"):
        return []
    return [f'properties.kty is {shown(kty)}; must be "RSA", "RSA-HSM", "EC" or "EC-HSM".']


def _rotation(r: Resource, cfg: Config) -> Iterable[str]:
    policy = at(r.props, "properties.rotationPolicy")
    if policy is UNKNOWN:
        return [unknown_message("properties.rotationPolicy")]
    if policy is MISSING:
        return ['properties.rotationPolicy is not set; add a lifetime action of type "rotate".']
    actions = at(r.props, "properties.rotationPolicy.lifetimeActions")
    if actions is UNKNOWN:
        return [unknown_message("properties.rotationPolicy.lifetimeActions")]
    types = [at(a, "action.type") for a in as_list(actions)]
    if any(isinstance(t, str) and t.casefold() == "rotate" for t in types):
        return []
    if any(is_unknown(t) for t in types):
        return [unknown_message("properties.rotationPolicy.lifetimeActions[].action.type")]
    if not as_list(actions):
        return ['properties.rotationPolicy.lifetimeActions has no action; add one of type "rotate".']
    return ['properties.rotationPolicy.lifetimeActions has no "rotate" action; add one of type "rotate".']


POLICIES = [
    resource_policy(
        name="keyvault-recovery",
        description="Key vaults must have purge protection and soft delete enabled.",
        types=[VAULT],
        check=_recovery,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d")
        ),
        remediation_steps="Set properties.enablePurgeProtection to true and leave enableSoftDelete unset or true.",
    ),
    resource_policy(
        name="keyvault-rbac",
        description="Key vaults must use Azure RBAC for data-plane authorization.",
        types=[VAULT],
        check=check_rbac,
        fixes=fixes_for((check_rbac, "properties.enableRbacAuthorization", True)),
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",)),
        remediation_steps=(
            "Set properties.enableRbacAuthorization to true and grant data roles (for example Key Vault "
            "Crypto Service Encryption User) instead of access policies."
        ),
    ),
    resource_policy(
        name="keyvault-network",
        description="Key vaults must disable public network access or deny it by default.",
        types=[VAULT],
        check=_network,
        severity=Severity.HIGH,
        anchors=Anchors(
            azure_policy=("405c5871-3e91-4644-8a63-58e19d68ff5b", "55615ac9-af46-4a59-874e-391cc3dfb490")
        ),
        remediation_steps=(
            'Set properties.publicNetworkAccess to "Disabled" (or properties.networkAcls.defaultAction to '
            '"Deny") and use a private endpoint.'
        ),
    ),
    resource_policy(
        name="key-strength",
        description="Key Vault keys must be RSA keys of sufficient size or EC keys on P-256 or stronger curves.",
        types=[KEY],
        check=_strength,
        config={"minimumRsaKeySize": integer(3072, "Smallest RSA key size accepted, in bits.", minimum=2048)},
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("82067dbb-e53b-4e06-b631-546d197452d9",)),
        remediation_steps="Set properties.keySize to at least minimumRsaKeySize (3072 by default), or use an EC key on P-256 or stronger.",
    ),
    resource_policy(
        name="key-rotation",
        description="Key Vault keys must have a rotation policy that rotates them.",
        types=[KEY],
        check=_rotation,
        severity=Severity.MEDIUM,
        anchors=Anchors(azure_policy=("d8cf8476-a2ec-4916-896e-992351803c44",)),
        remediation_steps=(
            'Set properties.rotationPolicy.lifetimeActions with an action of type "rotate" and a trigger '
            '(for example timeAfterCreate "P90D"), plus attributes.expiryTime.'
        ),
    ),
]
