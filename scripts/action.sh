#!/usr/bin/env bash
# The GitHub Action's scan step (action.yml runs it; tests run it directly).
#
# Runs `stowaway scan` once for the JSON report (findings, exit code) and once
# for SARIF, then:
#   - prints the report in the job log (inside ::stop-commands:: so nothing a
#     scanned file contains can act as a workflow command),
#   - emits one ::error/::warning/::notice annotation per finding, escaped
#     (%, CR, LF in the message; also `:` and `,` in the properties),
#   - writes a Markdown job summary to $GITHUB_STEP_SUMMARY (counts by rule and
#     severity, then each finding with its secret redacted),
#   - sets the outputs findings, exit-code, sarif-file, json-file,
#   - exits with stowaway's code: 0 clean, 1 findings at or above fail-on
#     (0 with fail-on `none`), 2 when the scan could not be done.
#
# Environment (action.yml sets these from its inputs):
#   STOWAWAY_BIN       the executable (default: stowaway on PATH)
#   INPUT_SCAN_MODE    auto | pr | full
#   INPUT_PATHS        newline-separated paths for full mode (default .)
#   INPUT_FORMAT       text | json | sarif: the report printed in the log
#   INPUT_CONFIG, INPUT_BASELINE, INPUT_FAIL_ON, INPUT_SARIF_FILE, INPUT_ANNOTATIONS
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_WORKSPACE, GITHUB_OUTPUT,
#   GITHUB_STEP_SUMMARY, RUNNER_TEMP (all provided by the runner)
set -uo pipefail

bin=${STOWAWAY_BIN:-stowaway}
mode=${INPUT_SCAN_MODE:-auto}
format=${INPUT_FORMAT:-text}
fail_on=${INPUT_FAIL_ON:-}
sarif=${INPUT_SARIF_FILE-stowaway.sarif}
annotate=${INPUT_ANNOTATIONS:-true}
event=${GITHUB_EVENT_NAME:-}
event_path=${GITHUB_EVENT_PATH:-}
tmp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

# Escaping for workflow commands: data (after ::) and properties (key=value).
esc_data() { local s=${1//%/%25}; s=${s//$'\r'/%0D}; s=${s//$'\n'/%0A}; printf '%s' "$s"; }
esc_prop() { local s; s=$(esc_data "$1"); s=${s//:/%3A}; s=${s//,/%2C}; printf '%s' "$s"; }

fail2() {
  # An error that stops the scan: annotate it, say it in the summary, exit 2.
  printf '::error title=stowaway::%s\n' "$(esc_data "$1")"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      printf '## Stowaway: the scan could not be done\n\n'
      printf '```text\n%s\n```\n' "${1//\`/\'}"
    } >>"$GITHUB_STEP_SUMMARY"
  fi
  set_output exit-code 2
  set_output findings 0
  exit 2
}
set_output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi; }

command -v jq >/dev/null 2>&1 || fail2 "jq is required (it is on GitHub-hosted runners); install it on this runner"
command -v "$bin" >/dev/null 2>&1 || [ -x "$bin" ] || fail2 "stowaway executable not found: $bin"

if [ -n "${GITHUB_WORKSPACE:-}" ]; then
  cd "$GITHUB_WORKSPACE" || fail2 "cannot enter GITHUB_WORKSPACE $GITHUB_WORKSPACE"
fi

# ---- what to scan -----------------------------------------------------------
base="" head=""
if [ -n "$event_path" ] && [ -f "$event_path" ]; then
  base=$(jq -r '.pull_request.base.sha // .merge_group.base_sha // empty' "$event_path" 2>/dev/null || true)
  head=$(jq -r '.pull_request.head.sha // .merge_group.head_sha // empty' "$event_path" 2>/dev/null || true)
fi
case "$mode" in
  auto) if [ -n "$base" ] && [ -n "$head" ]; then mode=pr; else mode=full; fi ;;
  pr)
    if [ -z "$base" ] || [ -z "$head" ]; then
      fail2 "scan-mode pr needs a pull_request, pull_request_target or merge_group event with base and head SHAs; this is a '${event:-unknown}' event (${event_path:-no event file}). Use scan-mode full here."
    fi ;;
  full) ;;
  *) fail2 "scan-mode must be auto, pr or full, not '$mode'" ;;
esac
for s in "$base" "$head"; do
  if [ -n "$s" ] && ! [[ "$s" =~ ^[0-9a-fA-F]{40,64}$ ]]; then fail2 "the event's SHA '$s' is not a commit id"; fi
done

target=()
if [ "$mode" = pr ]; then
  target=(--git-range "$base..$head")
  what="commits ${base:0:7}..${head:0:7}"
else
  while IFS= read -r p; do
    p=${p%$'\r'}
    p="${p#"${p%%[![:space:]]*}"}"; p="${p%"${p##*[![:space:]]}"}"
    [ -n "$p" ] && target+=("$p")
  done <<<"${INPUT_PATHS:-.}"
  [ "${#target[@]}" -gt 0 ] || target=(.)
  what="${target[*]}"
fi

common=(--no-progress)
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && common+=(--baseline "$INPUT_BASELINE")
case "$fail_on" in
  "") ;;
  none|info|low|medium|high|critical) common+=(--fail-on "$fail_on") ;;
  *) fail2 "fail-on must be info, low, medium, high, critical or none, not '$fail_on'" ;;
esac
case "$format" in text|json|sarif) ;; *) fail2 "format must be text, json or sarif, not '$format'" ;; esac

# ---- scan -------------------------------------------------------------------
work=$(mktemp -d "$tmp_root/stowaway.XXXXXX")
json="$work/stowaway.json"
echo "stowaway: scanning $what ($mode mode)"
"$bin" scan "${target[@]}" "${common[@]}" --format json --output "$json" 2>"$work/stderr"
rc=$?
token="stowaway-$RANDOM$RANDOM$RANDOM"
show_untrusted() { echo "::stop-commands::$token"; cat "$@"; echo "::$token::"; }
if [ -s "$work/stderr" ]; then show_untrusted "$work/stderr"; fi
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  reason=$(grep -m1 'error' "$work/stderr" || tail -n1 "$work/stderr")
  fail2 "stowaway exited $rc: ${reason:-no reason given}"
fi
jq -e '.findings and .summary' "$json" >/dev/null 2>&1 || fail2 "stowaway wrote no JSON report ($json)"

if [ -n "$sarif" ]; then
  mkdir -p "$(dirname "$sarif")"
  "$bin" scan "${target[@]}" "${common[@]}" --format sarif --output "$sarif" 2>"$work/stderr-sarif"
  src=$?
  if [ "$src" -ne 0 ] && [ "$src" -ne 1 ]; then
    show_untrusted "$work/stderr-sarif"
    fail2 "stowaway exited $src while writing SARIF"
  fi
  set_output sarif-file "$sarif"
else
  set_output sarif-file ""
fi
set_output json-file "$json"

# ---- the log ----------------------------------------------------------------
n=$(jq '.findings | length' "$json")
case "$format" in
  json) show_untrusted "$json" ;;
  sarif) if [ -n "$sarif" ]; then show_untrusted "$sarif"; else show_untrusted "$json"; fi ;;
  text)
    jq -r '.findings[] |
      "\(.path):\(.line):\(.column // 1): \(.severity) \(.rule_id) \(.message)"
      + (if .secret then " [" + .secret + "]" else "" end)
      + (if .commit then " (commit " + .commit[0:12] + ")" else "" end)' "$json" >"$work/text"
    show_untrusted "$work/text" ;;
esac

# ---- annotations ------------------------------------------------------------
# Built in jq, with the same escaping as esc_data/esc_prop above.
if [ "$annotate" = true ]; then
  jq -r '
    def data: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
    def prop: data | gsub(":"; "%3A") | gsub(","; "%2C");
    .findings[] |
    (if .severity == "critical" or .severity == "high" then "error"
     elif .severity == "medium" then "warning" else "notice" end) as $level |
    ((.line // 1) | tostring) as $l |
    ((.end_line // .line // 1) | tostring) as $el |
    "::\($level) file=\(.path | prop),line=\($l),endLine=\($el)"
    + (if (.end_line // .line) == .line and .column and .end_column
       then ",col=\(.column),endColumn=\(.end_column)" else "" end)
    + ",title=\(("stowaway " + .severity + ": " + (.rule_name // .rule_id) + " (" + .rule_id + ")") | prop)"
    + "::" + ((.message
        + (if .secret then "\nSecret: " + .secret else "" end)
        + (if .commit then "\nAdded in commit " + .commit else "" end)) | data)
  ' "$json"
fi

# ---- job summary ------------------------------------------------------------
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  jq -r --arg what "$what" --arg mode "$mode" '
    def md: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
      | gsub("\\|"; "&#124;") | gsub("`"; "&#96;") | gsub("\r?\n"; " ");
    def code: "<code>" + md + "</code>";
    def bytes: if . >= 1048576 then "\((. / 1048576 * 10 | floor) / 10) MiB"
      elif . >= 1024 then "\((. / 1024 * 10 | floor) / 10) KiB" else "\(.) B" end;
    def rank: {"critical":0,"high":1,"medium":2,"low":3,"info":4}[.] // 5;
    .summary as $s | .findings as $f |
    "## Stowaway: " + (if ($f | length) == 0 then "no findings" else "\($f | length) finding" + (if ($f | length) == 1 then "" else "s" end) end),
    "",
    "Scanned \($s.files_scanned // 0) files"
      + (if $s.commits_scanned != null then " in \($s.commits_scanned) commits" else "" end)
      + ", \(($s.bytes_scanned // 0) | bytes) (\($mode) mode: \($what | md))."
      + (if ($s.files_scanned // 0) == 0 then " **Nothing was scanned.**" else "" end)
      + (if ($s.suppressed // 0) > 0 then " \($s.suppressed) suppressed by allow-lists or the baseline" + (if $s.baseline then " (\($s.baselined // 0) by \($s.baseline | code))" else "" end) + "." else "" end),
    "",
    (if ($f | length) > 0 then
      "| Rule | Severity | Findings |", "| --- | --- | ---: |",
      ($f | group_by(.rule_id) | map({rule: .[0].rule_id, name: (.[0].rule_name // .[0].rule_id), sev: .[0].severity, n: length})
          | sort_by((.sev | rank), .rule)[]
          | "| \(.name | md) (\(.rule | code)) | \(.sev) | \(.n) |"),
      "",
      "<details><summary>Findings</summary>",
      "",
      "| Severity | Location | Rule | Secret (redacted) | Commit | Message |",
      "| --- | --- | --- | --- | --- | --- |",
      ($f | sort_by((.severity | rank), .path, .line) | .[0:200][]
          | "| \(.severity) | \("\(.path):\(.line)" | code) | \(.rule_id | md) | \(if .secret then (.secret | code) else "" end) | \(if .commit then (.commit[0:12] | code) else "" end) | \(.message | md) |"),
      (if ($f | length) > 200 then "", "… and \(($f | length) - 200) more in the SARIF and JSON reports." else empty end),
      "",
      "</details>"
    else empty end),
    (if (($s.errors // []) | length) > 0 then
      "", "**Not scanned:**", "", ($s.errors[] | "- \(.path | code): \(.message | md)")
    else empty end),
    ""
  ' "$json" >>"$GITHUB_STEP_SUMMARY"
fi

set_output findings "$n"
set_output exit-code "$rc"
if [ "$rc" -eq 1 ]; then
  echo "stowaway: $n finding(s) at or above the fail-on threshold"
fi
exit "$rc"
