"""Hardened Azure Machine Learning platform components (Pulumi, azure-native v3).

Teams start from `SecureMlWorkspace(name, SecureMlWorkspaceArgs(...))` (`help(SecureMlWorkspaceArgs)` lists
every argument). The shared helpers attach the AVM-style interfaces to resources of your own:
`add_role_assignment_specs` (team role assignments, `RoleAssignmentSpec`), `add_role_assignments` (the
baseline's own grants, `RoleAssignmentArgs`), `add_lock` (`LockArgs`) and `add_diagnostics` (`DiagnosticsArgs`).
"""

from ._version import __version__ as __version__  # the distribution version (pyproject.toml reads it)
from .access import (
    GRANTS,
    Grant,
    JobIdentityAccess,
    JobIdentityAccessArgs,
    PersonaAccess,
    PersonaAccessArgs,
    PersonaGroup,
    WorkspaceIdentityAccess,
    add_lock,
    add_role_assignment_specs,
    add_role_assignments,
)
from .ai_services import (
    AiServicesArgs,
    ContentFilterSpec,
    ModelDeploymentSpec,
    ProjectSpec,
    SecureAiServices,
)
from .compute import MlCompute, MlComputeArgs
from .governance import (
    AuditTrailArgs,
    CiIdentityArgs,
    Governance,
    GovernanceArgs,
    ModelRegistry,
    ModelRegistryArgs,
    constrained_delegation_condition,
    validate_governance_args,
)
from .interfaces import (
    CustomerManagedKeyArgs,
    DiagnosticsArgs,
    IdentityArgs,
    LockArgs,
    Placement,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    RoleAssignmentSpec,
)
from .keyvault import KeyVault, KeyVaultArgs
from .monitoring import Monitoring, MonitoringArgs, add_diagnostics
from .naming import PRIVATE_DNS_ZONES
from .network import Network, NetworkArgs
from .platform import (
    SecureMlPlatform,
    SecureMlPlatformArgs,
    SecureMlWorkspace,
    SecureMlWorkspaceArgs,
    validate_workspace_args,
)
from .policy_parity import PARITY, BuiltIn, ParityContext
from .private_link import PrivateLink, PrivateLinkArgs
from .registry import Registry, RegistryArgs
from .settings import (
    ComputeClusterSpec,
    ComputeInstanceSpec,
    ComputeSchedule,
    OutboundRule,
    PersonaSpec,
    Settings,
    SettingsError,
    load_settings,
)
from .storage import Storage, StorageArgs
from .workspace import MlWorkspace, MlWorkspaceArgs

__all__ = [
    "GRANTS",
    "PARITY",
    "PRIVATE_DNS_ZONES",
    "AiServicesArgs",
    "AuditTrailArgs",
    "BuiltIn",
    "CiIdentityArgs",
    "ComputeClusterSpec",
    "ComputeInstanceSpec",
    "ComputeSchedule",
    "ContentFilterSpec",
    "CustomerManagedKeyArgs",
    "DiagnosticsArgs",
    "Governance",
    "GovernanceArgs",
    "Grant",
    "IdentityArgs",
    "JobIdentityAccess",
    "JobIdentityAccessArgs",
    "KeyVault",
    "KeyVaultArgs",
    "LockArgs",
    "MlCompute",
    "MlComputeArgs",
    "MlWorkspace",
    "MlWorkspaceArgs",
    "ModelDeploymentSpec",
    "ModelRegistry",
    "ModelRegistryArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "OutboundRule",
    "ParityContext",
    "PersonaAccess",
    "PersonaAccessArgs",
    "PersonaGroup",
    "PersonaSpec",
    "Placement",
    "PrivateEndpointArgs",
    "PrivateLink",
    "PrivateLinkArgs",
    "ProjectSpec",
    "Registry",
    "RegistryArgs",
    "RoleAssignmentArgs",
    "RoleAssignmentSpec",
    "SecureAiServices",
    "SecureMlPlatform",
    "SecureMlPlatformArgs",
    "SecureMlWorkspace",
    "SecureMlWorkspaceArgs",
    "Settings",
    "SettingsError",
    "Storage",
    "StorageArgs",
    "WorkspaceIdentityAccess",
    "add_diagnostics",
    "add_lock",
    "add_role_assignment_specs",
    "add_role_assignments",
    "constrained_delegation_condition",
    "load_settings",
    "validate_governance_args",
    "validate_workspace_args",
]
