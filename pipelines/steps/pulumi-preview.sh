#!/usr/bin/env bash
# `pulumi preview --refresh` of $STACK with the GATE's policy pack and pack config ($GATE: the
# target branch's checkout), so a change cannot weaken the gate that judges it.
set -euo pipefail
source "$(dirname "$0")/ci.sh"
pack_config=$("$(dirname "$0")/pack-config.sh" "$GATE/policies" "$STACK")
pulumi preview --stack "$STACK" --non-interactive --diff --refresh --policy-pack "$GATE/policies" --policy-pack-config "$pack_config"
