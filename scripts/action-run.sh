#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml), as one script so that they can be run, and
# tested, outside GitHub: run dcrcheck with every report, append the Markdown summary to
# $GITHUB_STEP_SUMMARY, set the step outputs, and exit with dcrcheck's own exit code.
#
# Inputs (environment): DCRCHECK_BIN (default: dcrcheck on PATH), INPUT_TARGET, INPUT_PROFILE,
# INPUT_BASELINE, INPUT_PARTITION, INPUT_ARGS (extra arguments, word-split), INPUT_REPORTS_DIR
# (default: dcrcheck-reports). GITHUB_STEP_SUMMARY and GITHUB_OUTPUT are used when set.
set -uo pipefail

bin="${DCRCHECK_BIN:-dcrcheck}"
dir="${INPUT_REPORTS_DIR:-dcrcheck-reports}"
mkdir -p "$dir" || { echo "dcrcheck action: cannot create $dir" >&2; exit 2; }

args=(run --report-json "$dir/report.json" --report-junit "$dir/junit.xml"
  --report-html "$dir/report.html" --report-markdown "$dir/summary.md")
[ -n "${INPUT_TARGET:-}" ] && args+=(--target "$INPUT_TARGET")
[ -n "${INPUT_PROFILE:-}" ] && args+=(--profile "$INPUT_PROFILE")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_PARTITION:-}" ] && args+=(--partition "$INPUT_PARTITION")
if [ -n "${INPUT_ARGS:-}" ]; then
  # shellcheck disable=SC2206 # extra arguments are word-split on purpose
  extra=(${INPUT_ARGS})
  args+=("${extra[@]}")
fi

# CI is set on GitHub runners, so the seed is fixed (7591) unless DCRCHECK_SEED says otherwise.
"$bin" "${args[@]}"
code=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$dir/summary.md" ]; then
  cat "$dir/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "reports-dir=$dir"
  } >> "$GITHUB_OUTPUT"
fi
exit "$code"
