"""The one vocabulary: Microsoft's ids, the Privilege Secure manifests, the azuread type tokens,
the labels, the clock and the limits, by name. Standard library only.

It lives in the policy pack's folder so that the pack ships alone (``pulumi policy publish``
uploads the folder and nothing else); the program, the offline preview and the tests import the
same files (the repository's ``requirements.txt`` installs the pack folder editable). See
ARCHITECTURE.md.
"""
