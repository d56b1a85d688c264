#!/usr/bin/env bash
# Fetch the JavaScript the browser tests inject into the built book's pages (never served by the
# book itself, never loaded from a CDN):
#   - axe-core (npm package `axe-core`), the accessibility engine of tests/browser/axe_check.py.
# It comes from the npm registry (`npm pack`, pinned version, checked against a pinned sha256) and
# lands in _testassets/axe-core/ (git-ignored). Playwright injects it into each page from that file
# (page.add_script_tag(path=...)), so nothing reaches the internet at test time.
#
# Idempotent: does nothing when _testassets/.stamp records the same version.
# Usage: scripts/fetch_test_assets.sh [--force]
set -euo pipefail

cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1
AXE_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745

DEST=_testassets
STAMP="$DEST/.stamp"
WANT="axe-core=$AXE_VERSION"

if [[ "${1:-}" != "--force" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "test assets: up to date ($WANT)"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "ERROR: npm not found. The browser tests' accessibility engine (axe-core) comes from npm." >&2
    echo "       Install Node.js/npm (Debian: apt-get install -y npm) and re-run." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "test assets: fetching axe-core@$AXE_VERSION from the npm registry"
npm pack --silent --prefer-offline --pack-destination "$tmp" "axe-core@$AXE_VERSION" >/dev/null

got="$(sha256sum "$tmp/axe-core-$AXE_VERSION.tgz" | cut -d' ' -f1)"
if [[ "$got" != "$AXE_SHA256" ]]; then
    echo "ERROR: checksum mismatch for axe-core-$AXE_VERSION.tgz: got $got, expected $AXE_SHA256" >&2
    exit 1
fi

mkdir -p "$tmp/axe"
tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp/axe"
new="$tmp/new"
mkdir -p "$new/axe-core"
cp "$tmp/axe/package/axe.min.js" "$tmp/axe/package/LICENSE" "$tmp/axe/package/package.json" "$new/axe-core/"
echo "$WANT" > "$new/.stamp"

rm -rf "$DEST"
mv "$new" "$DEST"
echo "test assets: installed into $DEST ($(du -sh "$DEST" | cut -f1))"
