"""The pipelines' Python steps (``python3 -m pipelines.azure_fan_out``, run from the repository
root before anything is installed: standard library and ``offline_preview.stacks`` only)."""
