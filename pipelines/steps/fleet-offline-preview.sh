#!/usr/bin/env bash
# The offline preview of every stack (one fleet table, preview.md, on the run's summary), judged
# by the gate's policy pack: on a pull request the target branch's (a worktree of it), else this
# checkout's own; the pack folder's own policies judge (offline_preview.policy_client puts its
# src/ first). On a pull request the target branch's fleet plan (base.json), computed by its
# own code, is the comparison (none when it predates the fleet preview). No
# --policy-pack-config: each stack gets the gate's stacks/<stack>.json, else its
# config.example.json. Output `previewStatus`: the exit code (0 fine, 1 a mandatory policy is
# violated, anything else a failed run); this step itself exits 0 so the comment is posted first.
set -euo pipefail
source "$(dirname "$0")/ci.sh"
repository=$PWD
gate=$repository
base_branch=$(ci_base_branch)
if [ -n "$base_branch" ]; then
  gate="$(ci_temp)/base"
  git worktree add --detach "$gate" "origin/$base_branch"
  # The target branch's own code throughout: its folder first on the path (python -m), then its
  # pack's src/ (PYTHONPATH) before the pull request's editable installs of this virtualenv.
  (cd "$gate" && PYTHONPATH="$gate/policies/src" "$repository/venv/bin/python" -m offline_preview --all-stacks --format json) > base.json || true
fi
"$(dirname "$0")/offline-preview.sh" venv/bin/python --all-stacks --policy-pack "$gate/policies"
ci_summary preview.md
ci_output previewStatus "$(cat preview.status)"
