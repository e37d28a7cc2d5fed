#!/usr/bin/env bash
# The virtualenvs a job needs. Usage: virtualenvs.sh program|dev|deploy [POLICY_PACK_DIR]
#   program  ./venv with requirements.txt (what the Pulumi CLI runs the program with)
#   dev      ./venv with requirements-dev.txt (the offline preview, the tests)
#   deploy   both, apart: ./venv with requirements.txt only, for `pulumi up`, and ./.venv-preview
#            with requirements-preview.txt (no test tools) for the offline preview before it
#            (stack-offline-preview.sh): the deploy job holds the credentials
#   POLICY_PACK_DIR  also the pack's own virtualenv, with only its requirements.txt
set -euo pipefail
case "${1:-}" in
  program) requirements=requirements.txt ;;
  dev) requirements=requirements-dev.txt ;;
  deploy)
    requirements=requirements.txt
    python3 -m venv .venv-preview && .venv-preview/bin/pip install -q -r requirements-preview.txt
    ;;
  *) echo "usage: $0 program|dev|deploy [POLICY_PACK_DIR]" >&2; exit 2 ;;
esac
python3 -m venv venv && venv/bin/pip install -q -r "$requirements"
if [ -n "${2:-}" ]; then
  # pip runs in the pack's folder, as the Pulumi CLI runs it: its requirements.txt installs the
  # folder itself (`-e .`).
  (cd "$2" && python3 -m venv venv && venv/bin/pip install -q -r requirements.txt)
fi
