"""Host the component for every Pulumi language: ``pulumi package add <repo>/components``.

The Pulumi CLI runs this directory as a plugin (``python components <engine address>``); it
prints its port and serves ``privilegesecure:index:AppRegistration`` with the schema of
``components.package``. Its virtualenv (``components/requirements.txt``) installs the repository
and the vocabulary editable, so ``components`` imports as it does for ``__main__.py`` at the root.
"""

import sys

from pulumi.provider import main

from components.package import AppRegistrationProvider

if __name__ == "__main__":
    main(AppRegistrationProvider(), sys.argv[1:])
