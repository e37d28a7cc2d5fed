"""The ``privilege-secure-entra-guard`` policy pack: the preview gate for the Tier-0 app.

``__main__.py`` only starts the pack; the policies live in the modules of this package so that
tests and tools can import them without starting a gRPC server.
"""
