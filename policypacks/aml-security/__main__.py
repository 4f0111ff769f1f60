"""Entry point the Pulumi engine runs (`python -m pulumi.policy <addr> <this dir>`): serves the pack."""

from pulumi_policy import EnforcementLevel, PolicyPack

from aml_security import decode_cache
from aml_security.policies import ALL_POLICIES

decode_cache.install()  # decode each resource once per request, not once per policy
PolicyPack(name="aml-security", policies=ALL_POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
