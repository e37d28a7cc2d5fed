"""Host the component for every Pulumi language: ``pulumi package add <repo>/components``.

The Pulumi CLI runs this directory as a plugin (``python components <engine address>``); it
prints its port and serves ``privilegesecure:index:AppRegistration`` with the schema of
``components.package``. The repository root goes on ``sys.path`` first so the ``components``
package imports the same way it does for ``__main__.py`` at the root.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider import main

from components.package import AppRegistrationProvider

if __name__ == "__main__":
    main(AppRegistrationProvider(), sys.argv[1:])
