"""Entry point the Pulumi engine runs (`python -m pulumi.policy <addr> <this dir>`): serves the pack."""

from pulumi_policy import EnforcementLevel, PolicyPack

from azure_deployability.policies import ALL_POLICIES

PolicyPack(name="azure-deployability", policies=ALL_POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
