#!/usr/bin/env bash
# The run's $STACK is one of the stack files (a stack given by a parameter could be anything).
set -euo pipefail
python3 -m offline_preview.stacks --require "$STACK"
