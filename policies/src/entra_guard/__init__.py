"""The ``privilege-secure-entra-guard`` policy pack's policies: the preview gate for the Tier-0 app.

``policies/__main__.py`` only starts the pack; each policy module declares one policy
(``declaration.Declaration``), ``guardrails.py`` lists them and ``helpers/`` holds what they
share, so that tests and tools can import them without starting a gRPC server.
"""
