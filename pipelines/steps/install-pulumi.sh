#!/usr/bin/env bash
# The Pulumi CLI, $PULUMI_VERSION (pinned like requirements.txt pins the SDK), on the PATH of the
# next steps. Azure DevOps only: GitHub installs it with pulumi/actions.
set -euo pipefail
curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION"
echo "##vso[task.prependpath]$HOME/.pulumi/bin"
