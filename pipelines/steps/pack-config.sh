#!/usr/bin/env bash
# The policy pack config of stack STACK (README: Each stack's pack config): POLICY_PACK_DIR's
# stacks/<stack>.json when present, else its config.example.json, as offline_preview.stacks does.
# The fallback is said (on stderr: stdout is the path), because it pins no principal: a stack
# file missing or misnamed after the first `up` turns pinned-principal off for that stack.
# Usage: pack-config.sh POLICY_PACK_DIR STACK
set -euo pipefail
source "$(dirname "$0")/ci.sh"
config="$1/stacks/$2.json"
if [ ! -f "$config" ]; then
  ci_warning "No pack config of its own for stack $2" "no $config: the pack runs with $1/config.example.json, which pins no principal (pinned-principal); add it after the stack's first up" >&2
  config="$1/config.example.json"
fi
echo "$config"
