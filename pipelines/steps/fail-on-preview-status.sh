#!/usr/bin/env bash
# Fail on a mandatory policy violation or a failed preview, once the comment has been posted:
# the exit code fleet-offline-preview.sh left in preview.status.
set -euo pipefail
exit "$(cat preview.status)"
