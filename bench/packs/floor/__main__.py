"""A policy pack with one policy that does nothing: what `Analyze` costs with no rules at all.

The benchmark divides the real pack's time per resource by this pack's to measure what the rules add on
top of the protocol (gRPC, struct decoding, the SDK's per-call setup), which no pack can avoid.
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)


def _nothing(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Accept every resource without reading it."""


PolicyPack(
    "bench-floor",
    [
        ResourceValidationPolicy(
            "floor-noop", "Accepts every resource; measures the protocol floor.", _nothing
        )
    ],
    enforcement_level=EnforcementLevel.MANDATORY,
)
