#!/usr/bin/env bash
# The offline preview step of both pipelines: PYTHON -m offline_preview FLAGS --format markdown,
# compared with base.json when there is one. Writes preview.md (never empty), preview.err and
# preview.status (the exit code), and itself exits 0: the pipeline posts the comment first and
# fails afterwards.
#
#   0  no mandatory violation          1  a mandatory policy is violated (the comment says which)
#   2  invalid config or usage         3  the program or the tool crashed
#   anything but 0 and 1 is a failed run, never a verdict: preview.md then starts with
#   "Offline preview failed", the exit code and the error, followed by whatever was previewed.
#
# Usage: pipelines/offline-preview.sh PYTHON [offline_preview flags...]
set -uo pipefail
python="$1"
shift

status=0
if [ -s base.json ]; then
  "$python" -m offline_preview "$@" --format markdown --compare-to base.json > preview.md 2> preview.err || status=$?
  if [ "$status" -eq 2 ] && [ ! -s preview.md ]; then
    # a base plan this version cannot read: the preview without the comparison
    status=0
    "$python" -m offline_preview "$@" --format markdown > preview.md 2> preview.err || status=$?
  fi
else
  "$python" -m offline_preview "$@" --format markdown > preview.md 2> preview.err || status=$?
fi

case "$status" in
  0 | 1) ;;
  *)
    {
      echo "### Offline preview failed (exit code $status)"
      echo
      echo "This is a failed run, not a policy verdict: fix the error and push again."
      echo
      echo '```'
      if [ -s preview.err ]; then cat preview.err; else echo "(nothing on stderr)"; fi
      echo '```'
      if [ -s preview.md ]; then
        echo
        cat preview.md
      fi
    } > preview.failed.md
    mv preview.failed.md preview.md
    ;;
esac
if [ ! -s preview.md ]; then
  # exit 0 or 1 with no output is a broken tool too
  echo "### Offline preview failed (exit code $status, no output)" > preview.md
  status=3
fi
cat preview.err >&2
echo "$status" > preview.status
