#!/usr/bin/env bash
# The tests, by the README's own command (tests/test_readme.py keeps it the README's).
set -euo pipefail
python3 -m venv venv && venv/bin/pip install -q -r requirements-dev.txt && venv/bin/python -m pytest
