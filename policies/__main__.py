"""Start the policy pack; the Pulumi CLI runs this as ``python -m pulumi.policy <engine> .``.

Constructing ``PolicyPack`` starts the analyzer's gRPC server, prints its port and never returns,
so nothing else belongs here but the check that the policies it serves are this folder's own.
``entra_guard`` (the policies) and ``entra_vocabulary`` (Microsoft's ids, the manifests) are in
``src/``, installed by this folder's ``requirements.txt`` (``-e .``), so the folder ships alone,
whatever it is called.
"""

from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

from entra_guard.guardrails import PACK_NAME, build_policies, require_served_from

require_served_from(Path(__file__).resolve().parent)
PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for the Privilege Secure Entra ID app registration (Tier-0 rights).",
)
