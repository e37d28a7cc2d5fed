#!/usr/bin/env bash
# `pulumi up --refresh` of $STACK with the policy pack and the stack's pack config. --refresh:
# compare with the tenant, not only with the state, so a consent revoked or a secret deleted in
# the portal is put back instead of staying invisible.
set -euo pipefail
source "$(dirname "$0")/ci.sh"
pack_config=$("$(dirname "$0")/pack-config.sh" policies "$STACK")
pulumi up --stack "$STACK" --yes --non-interactive --refresh --policy-pack policies --policy-pack-config "$pack_config"
