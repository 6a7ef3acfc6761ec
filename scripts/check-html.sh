#!/usr/bin/env bash
# Checks that an HTML report (`dcrcheck run --report-html FILE`) renders in a real browser:
# headless Chromium loads it from disk and the check fails when
#   - the page logs anything to the console (an uncaught exception, a Content-Security-Policy
#     violation, a refused load...: the report's own script logs nothing, so any console
#     message is a fault; Chromium's log does not say a message's level),
#   - the dumped DOM (--dump-dom) lacks data-ready="1" on <body> (the report's script sets it
#     as its last statement, so its absence means the script did not run to the end),
#   - the screenshot (--screenshot) is one colour (nothing was painted).
#
# Usage: scripts/check-html.sh REPORT.html
#   CHROMIUM=path        the browser (default: the first of chromium, chromium-browser,
#                        google-chrome found on PATH)
#   CHECK_HTML_TIMEOUT=N seconds each browser run may take (default 60)
#
# Needs Chromium (Debian: apt-get install chromium) and python3 (standard library only).
# Prints each check on stdout; exits 0 when all pass, 1 with a one-line reason on stderr when
# one fails, 2 when a tool or the file is missing.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: scripts/check-html.sh REPORT.html" >&2
  exit 2
fi
report=$1
if [ ! -f "$report" ]; then
  echo "check-html: no such file: $report" >&2
  exit 2
fi
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      browser=$candidate
      break
    fi
  done
fi
if [ -z "$browser" ] || ! command -v "$browser" >/dev/null 2>&1; then
  echo "check-html: Chromium not found (apt-get install chromium, or set CHROMIUM)" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "check-html: python3 is needed to read the screenshot" >&2
  exit 2
fi
limit=${CHECK_HTML_TIMEOUT:-60}

work=$(mktemp -d "${TMPDIR:-/tmp}/check-html.XXXXXX")
trap 'rm -rf "$work"' EXIT
url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$report")

fail() {
  echo "check-html: FAIL: $*" >&2
  exit 1
}

# One browser run with its own throwaway profile (nothing shared between runs or with a
# desktop session), bounded by a timeout and killed if it ignores it.
browse() {
  local name=$1
  shift
  local rc=0
  timeout --kill-after=5 "$limit" "$browser" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$work/profile-$name" --no-first-run --no-default-browser-check \
    --disable-extensions --disable-background-networking --disable-sync \
    --hide-scrollbars --enable-logging=stderr --v=0 "$@" \
    >"$work/$name.out" 2>"$work/$name.log" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "Chromium did not finish the $name run within ${limit}s"
  elif [ "$rc" -ne 0 ]; then
    fail "Chromium exited with $rc in the $name run: $(grep -m1 -E 'ERROR|FATAL' "$work/$name.log" || echo 'no message')"
  fi
}

echo "check-html: $report ($url) with $("$browser" --version 2>/dev/null | head -n1)"

browse dom --dump-dom "$url"
console=$(grep -E ':CONSOLE[:(]' "$work/dom.log" || true)
if [ -n "$console" ]; then
  fail "console message: $(printf '%s\n' "$console" | head -n1 | sed -E 's/^\[[^]]*\] //')"
fi
echo "ok   no console message, no uncaught exception"
if ! python3 - "$work/dom.out" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
# Text from the report is serialised with `<` escaped, so the first `<body` is the element.
body = re.search(r"<body\b[^>]*>", dom)
sys.exit(0 if body and re.search(r'\sdata-ready="1"', body.group(0)) else 1)
PY
then
  fail "data-ready=\"1\" is not set on <body> in the dumped DOM: the report's script did not run to its end"
fi
echo "ok   <body data-ready=\"1\"> in the dumped DOM ($(wc -c <"$work/dom.out") bytes)"

browse shot --window-size=1280,1600 --screenshot="$work/shot.png" "$url"
[ -s "$work/shot.png" ] || fail "Chromium wrote no screenshot"
verdict=$(python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib

def pixels(path):
    """Decodes an 8-bit, non-interlaced grey/RGB/grey+alpha/RGBA PNG into rows of bytes."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        elif kind != 0:
            raise ValueError(f"bad PNG filter {kind}")
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows

try:
    width, height, channels, rows = pixels(sys.argv[1])
except (ValueError, zlib.error, struct.error, TypeError) as e:
    print(f"undecodable {e}")
    sys.exit(0)
background = rows[0][:channels]
colours, other = set(), 0
for row in rows:
    for i in range(0, len(row), channels):
        px = row[i:i + channels]
        if len(colours) < 4096:
            colours.add(px)
        if px != background:
            other += 1
share = 100.0 * other / (width * height)
print(f"{'blank' if len(colours) == 1 else 'painted'} {width}x{height}, "
      f"{len(colours)}{'+' if len(colours) >= 4096 else ''} colours, "
      f"{share:.2f}% of pixels differ from the top-left one")
PY
)
case "$verdict" in
  painted*) echo "ok   screenshot is not blank: ${verdict#painted }" ;;
  blank*) fail "the screenshot is a single colour (${verdict#blank }): nothing was rendered" ;;
  undecodable*)
    # A PNG this decoder does not read: compare with the screenshot of an empty page.
    browse blank --window-size=1280,1600 --screenshot="$work/blank.png" "about:blank"
    shot=$(wc -c <"$work/shot.png")
    blank=$(wc -c <"$work/blank.png")
    if [ "$shot" -le $((blank + 512)) ]; then
      fail "the screenshot ($shot bytes) is no bigger than an empty page's ($blank bytes): nothing was rendered"
    fi
    echo "ok   screenshot is not blank: $shot bytes against $blank for an empty page (${verdict#undecodable })"
    ;;
  *) fail "could not read the screenshot: $verdict" ;;
esac
echo "check-html: PASS"
