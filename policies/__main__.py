"""Start the policy pack; the Pulumi CLI runs this as ``python -m pulumi.policy <engine> .``.

Constructing ``PolicyPack`` starts the analyzer's gRPC server, prints its port and never returns,
so nothing else belongs here but the check that the policies it serves are this folder's own.
``entra_guard`` (the policies) and ``entra_vocabulary`` (Microsoft's ids, the manifests) are in
``src/``, installed by this folder's ``requirements.txt`` (``-e .``), so the folder ships alone,
whatever it is called.
"""

import importlib.util
import sys
from pathlib import Path

OWN_SOURCES = (Path(__file__).parent / "src").resolve()
OURS = ("entra_guard", "entra_vocabulary")


def _is_own(origin: str | None) -> bool:
    return origin is not None and Path(origin).resolve().is_relative_to(OWN_SOURCES)


# Which copy of the policies an interpreter finds first depends on how it was set up (another copy
# installed, a stale virtualenv, a non-editable install): this folder's own must judge, or none.
# Checked before any of it runs, and again for every module it loaded. A misconfiguration check:
# whoever controls the interpreter controls the pack anyway.
for package in OURS:
    spec = importlib.util.find_spec(package)
    if spec is None or not _is_own(spec.origin):
        found = "nowhere" if spec is None else spec.origin
        sys.exit(
            f"{package} is found at {found}, not in this pack folder's {OWN_SOURCES}: install the "
            "folder's requirements.txt with pip running in the folder"
        )

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from entra_guard.guardrails import PACK_NAME, build_policies  # noqa: E402

foreign = sorted(
    name
    for name, module in sys.modules.items()
    if name.split(".")[0] in OURS and not _is_own(getattr(module, "__file__", None))
)
if foreign:
    sys.exit(f"modules from outside this pack folder's {OWN_SOURCES}: {', '.join(foreign)}")

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for the Privilege Secure Entra ID app registration (Tier-0 rights).",
)
