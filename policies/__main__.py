"""Start the policy pack; the Pulumi CLI runs this as ``python -m pulumi.policy <engine> .``.

Constructing ``PolicyPack`` starts the analyzer's gRPC server, prints its port and never returns,
so nothing else belongs here. The repository root goes on ``sys.path`` first: the policies import
``components.microsoft_ids`` and ``components.manifests``, the program's own tables.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.guardrails import PACK_NAME, build_policies

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for the Privilege Secure Entra ID app registration (Tier-0 rights).",
)
