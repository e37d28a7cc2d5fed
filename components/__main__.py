"""Host the component for every Pulumi language: ``pulumi package add <repo>/components``.

The Pulumi CLI runs this directory as a plugin; ``component_provider_host`` infers the schema of
``privilegesecure:index:AppRegistration`` from ``AppRegistrationArgs`` and the component's
annotated outputs, then serves it. The repository root goes on ``sys.path`` first so the
``components`` package imports the same way it does for ``__main__.py`` at the root.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host

from components.app_registration import AppRegistration

PACKAGE_NAME = "privilegesecure"
PACKAGE_VERSION = "0.1.0"

if __name__ == "__main__":
    component_provider_host(
        [AppRegistration], name=PACKAGE_NAME, namespace=PACKAGE_NAME, version=PACKAGE_VERSION
    )
