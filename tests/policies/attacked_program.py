"""The real program with one attack declared next to it, as a change with commit access would.

Run by ``run_program(program=...)`` under the engine mocks: the attack's ``before`` runs first
(a stack transformation that edits the component's inputs, say), then the repository's own
``__main__.py``, then the attack's ``after`` with the program's component (``app``), so extra
resources are declared in the same program, in the stack or inside the component.
"""

import runpy

import pulumi

from mock_engine.engine import REPOSITORY
from tests.policies.attacks import ATTACKS_BY_ID

attack = ATTACKS_BY_ID[pulumi.Config("adversary").require("attack")]
attack.before()
program = runpy.run_path(str(REPOSITORY / "__main__.py"), run_name="__main__")
attack.after(program["app"])
