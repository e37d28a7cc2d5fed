#!/usr/bin/env bash
# The policy pack config of stack STACK (README: Each stack's pack config): POLICY_PACK_DIR's
# stacks/<stack>.json when present, else its config.example.json, as offline_preview.stacks does.
# Usage: pack-config.sh POLICY_PACK_DIR STACK
set -euo pipefail
config="$1/stacks/$2.json"
if [ ! -f "$config" ]; then config="$1/config.example.json"; fi
echo "$config"
