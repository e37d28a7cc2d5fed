#!/usr/bin/env bash
# Azure DevOps' gate for a stack's preview: the target branch ($GATE_BRANCH) in its own worktree
# ($GATE for the next steps), with the pack's own virtualenv, beside the change's program
# virtualenv, so the change cannot edit what judges it. (GitHub checks the gate out instead.)
set -euo pipefail
source "$(dirname "$0")/ci.sh"
gate="$(ci_temp)/gate"
git worktree add --detach "$gate" "origin/${GATE_BRANCH#refs/heads/}"
ci_output GATE "$gate"
"$(dirname "$0")/virtualenvs.sh" program "$gate/policies"
