"""The engine-like mocks: run a Pulumi program offline and record what it declares.

``mock_engine.engine`` answers ``pulumi.runtime.set_mocks`` calls as the Pulumi engine and the
azuread provider do (camelCase properties, real-looking GUIDs, replication delay), with one
resource record (``DeclaredResource``) and one unknown-value sentinel (``UNKNOWN``). The tests,
the offline preview and the benchmark all run on it; it imports no CLI and no policy.
"""
