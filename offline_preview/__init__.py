"""Run this repository's Pulumi program offline: engine-like mocks shared by the tests and tools."""
