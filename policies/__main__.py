"""Start the policy pack; the Pulumi CLI runs this as ``python -m pulumi.policy <engine> .``.

Constructing ``PolicyPack`` starts the analyzer's gRPC server, prints its port and never returns,
so nothing else belongs here. The CLI runs it from this folder, which is on ``sys.path`` then:
``entra_guard`` (the policies) and ``entra_vocabulary`` (Microsoft's ids, the manifests) are
found beside this file, whatever the folder is called, so the folder ships alone.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from entra_guard.guardrails import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for the Privilege Secure Entra ID app registration (Tier-0 rights).",
)
