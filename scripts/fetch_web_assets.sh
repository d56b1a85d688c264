#!/usr/bin/env bash
# Fetch the JavaScript the built book needs for its embedded widgets, so that no page loads
# anything from a CDN:
#   - require.js (npm package `requirejs`)
#   - the ipywidgets HTML manager `@jupyter-widgets/html-manager` 1.x (matches ipywidgets 8.1),
#     with the icon fonts it asks for.
# They come from the npm registry (`npm pack`, pinned versions, checked against pinned sha256 sums)
# and land in _webassets/vendor/ (git-ignored). _config.yml lists _webassets in html_extra_path, so
# Sphinx copies the files verbatim to _build/html/vendor/ (not _static/: every .js in _static/ is
# added to every page, and the widgets would then load and render twice).
# MathJax is not fetched here: the pip package sphinx-mathjax-offline serves it.
#
# Idempotent: does nothing when _webassets/vendor/.stamp records the same versions.
# Usage: scripts/fetch_web_assets.sh [--force]
set -euo pipefail

cd "$(dirname "$0")/.."

HTML_MANAGER_VERSION=1.0.15
HTML_MANAGER_SHA256=2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638
REQUIREJS_VERSION=2.3.8
REQUIREJS_SHA256=777158e89275e16bd51aec3ef714fbcb5dc45789e7078659933bc814916d7dec

DEST=_webassets/vendor
STAMP="$DEST/.stamp"
WANT="layout=2 html-manager=$HTML_MANAGER_VERSION requirejs=$REQUIREJS_VERSION config=$(sha256sum scripts/web/widgets-config.js | cut -c1-16)"

if [[ "${1:-}" != "--force" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "web assets: up to date ($WANT)"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "ERROR: npm not found. The book's widget scripts come from the npm registry." >&2
    echo "       Install Node.js/npm (Debian: apt-get install -y npm) and re-run." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "web assets: fetching @jupyter-widgets/html-manager@$HTML_MANAGER_VERSION and requirejs@$REQUIREJS_VERSION from the npm registry"
npm pack --silent --prefer-offline --pack-destination "$tmp" \
    "@jupyter-widgets/html-manager@$HTML_MANAGER_VERSION" "requirejs@$REQUIREJS_VERSION" >/dev/null

check() {  # file expected-sha256
    local got
    got="$(sha256sum "$1" | cut -d' ' -f1)"
    if [[ "$got" != "$2" ]]; then
        echo "ERROR: checksum mismatch for $(basename "$1"): got $got, expected $2" >&2
        exit 1
    fi
}
check "$tmp/jupyter-widgets-html-manager-$HTML_MANAGER_VERSION.tgz" "$HTML_MANAGER_SHA256"
check "$tmp/requirejs-$REQUIREJS_VERSION.tgz" "$REQUIREJS_SHA256"

mkdir -p "$tmp/hm" "$tmp/rq"
tar -xzf "$tmp/jupyter-widgets-html-manager-$HTML_MANAGER_VERSION.tgz" -C "$tmp/hm"
tar -xzf "$tmp/requirejs-$REQUIREJS_VERSION.tgz" -C "$tmp/rq"

new="$tmp/vendor"
hm_dist="$new/@jupyter-widgets/html-manager/dist"
mkdir -p "$hm_dist" "$new/licenses"
# Only what a page needs: the AMD bundle and the fonts its CSS refers to (no source maps, no READMEs:
# a stray .md in the source tree would upset Sphinx).
cp "$tmp/hm/package/dist/embed-amd.js" "$hm_dist/"
cp "$tmp"/hm/package/dist/*.{woff2,woff,ttf,eot,svg} "$hm_dist/"
# The bundle computes its font URLs from the URL of the AMD module whose CSS it injects:
# @jupyter-widgets/html-manager/dist/ for some, @jupyter-widgets/ (controls, base) for others.
cp "$tmp"/hm/package/dist/*.{woff2,woff,ttf,eot,svg} "$new/@jupyter-widgets/"
cp "$tmp/rq/package/require.js" "$new/require.js"
cp scripts/web/widgets-config.js "$new/widgets-config.js"
cp "$tmp/hm/package/package.json" "$new/licenses/html-manager.package.json"
cp "$tmp/rq/package/package.json" "$new/licenses/requirejs.package.json"
cat > "$new/licenses/NOTICE.txt" <<NOTICE
@jupyter-widgets/html-manager $HTML_MANAGER_VERSION: BSD-3-Clause, Project Jupyter (https://github.com/jupyter-widgets/ipywidgets).
  Its bundle includes Font Awesome fonts (SIL OFL 1.1) and other packages; see embed-amd.js headers.
requirejs $REQUIREJS_VERSION: MIT, jQuery Foundation and other contributors (https://github.com/requirejs/requirejs).
NOTICE
echo "$WANT" > "$new/.stamp"

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$new" "$DEST"
echo "web assets: installed into $DEST ($(du -sh "$DEST" | cut -f1))"
