# shellcheck shell=bash
# What differs between GitHub Actions and Azure Pipelines, in one place: every step script of
# pipelines/steps/ sources this file, so the two pipelines run the same steps.

# ci_summary FILE: add FILE (markdown) to the run's summary page.
ci_summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$1" >> "$GITHUB_STEP_SUMMARY"
  else
    echo "##vso[task.uploadsummary]$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  fi
}

# ci_warning TITLE MESSAGE, ci_error TITLE MESSAGE: an annotation on the run.
ci_warning() {
  if [ -n "${GITHUB_ACTIONS:-}" ]; then
    echo "::warning title=$1::$2"
  else
    echo "##vso[task.logissue type=warning]$1: $2"
  fi
}
ci_error() {
  if [ -n "${GITHUB_ACTIONS:-}" ]; then
    echo "::error title=$1::$2"
  else
    echo "##vso[task.logissue type=error]$1: $2"
  fi
}

# ci_output NAME VALUE: a value later steps (GitHub: steps.<id>.outputs.NAME) or jobs read.
ci_output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >> "$GITHUB_OUTPUT"
  else
    echo "##vso[task.setvariable variable=$1]$2"
  fi
}

# ci_base_branch: the branch a pull request targets (the gate), empty outside a pull request.
ci_base_branch() {
  if [ -n "${GITHUB_ACTIONS:-}" ]; then
    echo "${GITHUB_BASE_REF:-}"
  elif [ "${BUILD_REASON:-}" = PullRequest ]; then
    echo "${SYSTEM_PULLREQUEST_TARGETBRANCH#refs/heads/}"
  fi
}

# ci_temp: the job's scratch directory.
ci_temp() {
  echo "${RUNNER_TEMP:-${AGENT_TEMPDIRECTORY:-/tmp}}"
}

# Azure's AzureCLI@2 task (addSpnToEnvironment) hands over the service connection's OIDC token;
# the azuread provider takes it as ARM_OIDC_TOKEN. GitHub sets ARM_* in the job's env instead.
if [ -n "${idToken:-}" ]; then
  export ARM_USE_OIDC=true ARM_CLIENT_ID="${servicePrincipalId:-}" ARM_TENANT_ID="${tenantId:-}" ARM_OIDC_TOKEN="$idToken"
fi
