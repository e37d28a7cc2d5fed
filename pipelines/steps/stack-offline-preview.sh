#!/usr/bin/env bash
# The offline preview of $STACK alone, before its `pulumi up` (its own gate, before any tenant
# call): this stack's config and pack config only, so another tenant's violation or broken stack
# file does not stop this one. The summary shows what `up` will grant. Exit 1 (a mandatory
# violation) stops this stack. Exit 2 or 3 is no verdict (say, a `secure:` owners list the
# offline preview cannot decrypt): a warning, and `pulumi up` still checks the config itself and
# runs the policy pack on the real plan. It runs in .venv-preview (virtualenvs.sh deploy), apart from
# the program's virtualenv that `pulumi up` uses.
set -euo pipefail
source "$(dirname "$0")/ci.sh"
# No bytecode written into the checkout: the `pulumi up` step after this one (same workspace, same
# interpreter version) would load it.
export PYTHONDONTWRITEBYTECODE=1
status=0
.venv-preview/bin/python -m offline_preview --stack "$STACK" --policy-pack policies --format markdown > preview.md || status=$?
ci_summary preview.md
if [ "$status" -eq 1 ]; then exit 1; fi
if [ "$status" -ne 0 ]; then
  ci_warning "No offline verdict for stack $STACK" "the offline preview exited $status; pulumi up still checks the config and runs the policy pack"
fi
