#!/usr/bin/env bash
# The real browser check of the HTML reports: renders a run report (fope-outage), a comparison
# (policy-shootout, every policy) and a sweep (policy-shootout, sending IPs against a drain-time
# target), opens each in headless Chromium at 1400 and 800 px wide and fails if a page is wider
# than the window (horizontal overflow), if a chart is missing from a page or has no size, or if
# a chart file fails to load as an image. It writes a screenshot of the top of each page at
# each width.
#
#   docs/browser-check.sh                 # screenshots into docs/images/browser/ (the README's)
#   docs/browser-check.sh --out DIR       # screenshots into DIR instead
#   docs/browser-check.sh --probe PAGE W  # only check one HTML page at W px wide
#
# MAILSIM_BIN names the mailsim binary to use (default: a debug build, built here). Chromium
# comes from the distribution's packages: when it is missing and apt-get can run, this script
# installs it (apt-get update && apt-get install -y chromium); otherwise it says so and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

shots=docs/images/browser
probe_only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) shots="$2"; shift 2 ;;
        --probe) probe_only="$2"; probe_width="$3"; shift 3 ;;
        *) echo "usage: docs/browser-check.sh [--out DIR | --probe PAGE WIDTH]" >&2; exit 2 ;;
    esac
done

chromium=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" > /dev/null; then chromium="$candidate"; break; fi
done
if [ -z "$chromium" ]; then
    if command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
        echo "browser-check: installing chromium from the distribution's packages" >&2
        timeout 180 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 420 \
            apt-get install -y -qq --no-install-recommends chromium > /dev/null
        chromium=chromium
    else
        echo "browser-check: chromium is not installed and cannot be installed here (needs root and apt-get)" >&2
        exit 1
    fi
fi

# The probe, added to a copy of each page: page and window widths, the elements wider than the
# window outside a scroll container, figures without a drawn chart, and images that did not load.
probe='<script>
addEventListener("load", () => {
  const width = innerWidth;
  const wide = [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest(".scroll"))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  const blank = [...document.querySelectorAll("figure")].filter(f => {
    const svg = f.querySelector("svg");
    return !svg || svg.getBoundingClientRect().width < 100 || svg.getBoundingClientRect().height < 50;
  }).length;
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute("src"));
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = "PRO" + "BE: scroll=" + document.documentElement.scrollWidth + " window=" + width +
    " figures=" + document.querySelectorAll("figure").length + " blank=" + blank +
    " images=" + document.images.length + " broken=" + broken.join(",") + " wide=" + wide.join(",");
  document.body.appendChild(pre);
});
</script>'

failed=0
# Probes one page (a copy with the probe added) at one width; sets failed on a problem.
probe_page() { # label page width
    local label="$1" page="$2" width="$3"
    local copy="${page%.html}.probed.html"
    sed "s#</body>#$(printf '%s' "$probe" | tr '\n' ' ' | sed 's/[&#]/\\&/g')</body>#" "$page" > "$copy"
    local result
    result="$("$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --allow-file-access-from-files --virtual-time-budget=10000 \
        --window-size="$width,1000" --dump-dom "file://$(realpath "$copy")" 2> /dev/null \
        | grep -o 'PROBE: [^<]*' || true)"
    rm -f "$copy"
    echo "browser-check: $label at ${width}px: ${result:-no probe result}" >&2
    if [ -z "$result" ]; then
        failed=1; echo "  FAIL: the page did not load" >&2; return
    fi
    local scroll window blank broken wide
    scroll="$(sed 's/.*scroll=\([0-9]*\).*/\1/' <<< "$result")"
    window="$(sed 's/.*window=\([0-9]*\).*/\1/' <<< "$result")"
    blank="$(sed 's/.*blank=\([0-9]*\).*/\1/' <<< "$result")"
    broken="$(sed 's/.*broken=\([^ ]*\).*/\1/' <<< "$result")"
    wide="$(sed 's/.*wide=\(.*\)$/\1/' <<< "$result")"
    if [ "$scroll" -gt "$window" ]; then
        failed=1; echo "  FAIL: the page is $scroll px wide in a $window px window ($wide)" >&2
    fi
    if [ "$blank" != 0 ]; then failed=1; echo "  FAIL: $blank chart(s) not drawn" >&2; fi
    if [ -n "$broken" ]; then failed=1; echo "  FAIL: images that did not load: $broken" >&2; fi
}

# Checks a result folder's report.html and every chart file (loaded as images on a page of
# their own) at 1400 and 800 px, and screenshots the top of the report at each width.
check() { # name folder
    local name="$1" folder="$2"
    {
        echo '<!DOCTYPE html><html><body>'
        for svg in "$folder"/*.svg; do echo "<img src=\"$(basename "$svg")\" width=\"200\">"; done
        echo '</body></html>'
    } > "$folder/browser-check-images.html"
    for width in 1400 800; do
        probe_page "$name report" "$folder/report.html" "$width"
        probe_page "$name chart files" "$folder/browser-check-images.html" "$width"
        "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --virtual-time-budget=10000 --window-size="$width,1500" \
            --screenshot="$shots/$name-$width.png" "file://$folder/report.html" > /dev/null 2>&1
        echo "browser-check: wrote $shots/$name-$width.png" >&2
    done
}

if [ -n "$probe_only" ]; then
    probe_page "$probe_only" "$probe_only" "$probe_width"
    if [ "$failed" != 0 ]; then echo "browser-check: FAILED" >&2; exit 1; fi
    exit 0
fi

mkdir -p "$shots"
if [ -z "${MAILSIM_BIN:-}" ]; then
    cargo build --quiet
    MAILSIM_BIN=target/debug/mailsim
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/output"

echo "browser-check: rendering the reports" >&2
"$MAILSIM_BIN" run scenarios/fope-outage.ron --out "$out" --run-id run --quiet > /dev/null
"$MAILSIM_BIN" compare scenarios/policy-shootout.ron --replications 3 --rank-by latency_s.p99 \
    --out "$out" --run-id compare --quiet > /dev/null
"$MAILSIM_BIN" sweep scenarios/policy-shootout.ron --set 'senders[0].ips[0].count=1..4:1' \
    --target "all_done_s <= 6h" --replications 2 --out "$out" --run-id sweep --quiet > /dev/null

check run "$out/fope-outage/run"
check compare "$out/policy-shootout/compare"
check sweep "$out/policy-shootout/sweep"
if [ "$failed" != 0 ]; then
    echo "browser-check: FAILED" >&2
    exit 1
fi
echo "browser-check: every page fits 1400 and 800 px and every chart loads" >&2
