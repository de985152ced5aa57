"""batch-infra's CrossGuard pack: `pulumi preview --policy-pack policy` (see README, "Policy pack")."""

from pulumi_policy import EnforcementLevel, PolicyPack

from batch_infra.policy.pack import PACK_NAME, policies

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
