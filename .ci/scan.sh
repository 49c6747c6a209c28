#!/usr/bin/env bash
# npm run scan: synthesize every environment and the test-only variants (.ci/variants.ts), then run checkov (pinned, from PyPI, in a
# project-local virtualenv this script creates) over each stack. Fails on any failed check
# that .ci/checkov-skips.yaml does not skip with a reason, and on skips that match nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
venv=.venv
if [ "$("$venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "Installing checkov $CHECKOV_VERSION into $venv ..."
  python3 -m venv "$venv"
  # pip's own chatter goes to a log that is printed only if the install fails.
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" > "$venv/pip-install.log" 2>&1 \
    || { cat "$venv/pip-install.log"; exit 1; }
fi

export CHECKPOINT_DISABLE=1
npx tsx .ci/synth-checked.ts .work/synth
CHECKOV="$venv/bin/checkov" npx tsx .ci/scan-report.ts .work/synth/stacks
