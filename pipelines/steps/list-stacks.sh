#!/usr/bin/env bash
# Output `stacks`: the stacks (Pulumi.<stack>.yaml files) as the pipeline's matrix. A stack file
# with an unusable name fails here, naming it (never skipped). Usage: list-stacks.sh github|azure
set -euo pipefail
source "$(dirname "$0")/ci.sh"
stacks=$(python3 -m offline_preview.stacks --matrix "$1")
ci_output stacks "$stacks"
