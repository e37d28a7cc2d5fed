#!/usr/bin/env bash
# The drift check of $STACK: `pulumi refresh --preview-only --expect-no-changes` reads every
# resource from the tenant and compares it with the state, without writing the state and without
# the program, so a rotation the program plans once a window ends is not drift (the weekly `up`
# does it). Any difference (a consent revoked, a role removed, a secret deleted, a permission
# added by hand) fails, named in an error annotation and the run's summary.
set -uo pipefail
source "$(dirname "$0")/ci.sh"
status=0
pulumi refresh --stack "$STACK" --non-interactive --diff --preview-only --expect-no-changes > drift.txt 2>&1 || status=$?
cat drift.txt
if [ "$status" -ne 0 ]; then
  ci_error "Drift in stack $STACK" "the tenant differs from the state (or the check failed), exit code $status; see the diff in the run's summary"
  { echo "### Drift in stack \`$STACK\` (exit code $status)"; echo; echo '```'; cat drift.txt; echo '```'; } > drift.md
  ci_summary drift.md
fi
exit "$status"
