#!/usr/bin/env bash
# Vendors the web UI's one third-party library into static/vendor/, where
# build.rs embeds it into the daemon like the rest of static/ (no CDN, no
# build step at run time): uPlot, the charts of the statistics panel.
#
#   scripts/vendor-ui.sh            fetch the pinned version with `npm pack`,
#                                   check its integrity, copy its ESM build,
#                                   CSS and licence
#
# The copied files are committed; run this only to change the version (edit
# UPLOT_VERSION and UPLOT_INTEGRITY, from `npm view uplot@VERSION dist.integrity`),
# then rebuild the daemon and run tests/browser/run.sh.
set -euo pipefail

UPLOT_VERSION=1.6.32
UPLOT_INTEGRITY='sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=='

repo="$(cd "$(dirname "$0")/.." && pwd)"
dest="$repo/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

command -v npm >/dev/null 2>&1 || { echo "vendor-ui.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

tarball="$(cd "$tmp" && npm pack --silent "uplot@$UPLOT_VERSION")"
got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w0)"
if [ "$got" != "$UPLOT_INTEGRITY" ]; then
  echo "vendor-ui.sh: uplot@$UPLOT_VERSION does not match its pinned integrity" >&2
  echo "  expected $UPLOT_INTEGRITY" >&2
  echo "  got      $got" >&2
  exit 1
fi
tar -xzf "$tmp/$tarball" -C "$tmp"

mkdir -p "$dest"
cp "$tmp/package/dist/uPlot.esm.js" "$dest/uPlot.esm.js"
cp "$tmp/package/dist/uPlot.min.css" "$dest/uPlot.min.css"
cp "$tmp/package/LICENSE" "$dest/uPlot.LICENSE.txt"
cat > "$dest/README.txt" <<TXT
Third-party code of the web UI, copied here by scripts/vendor-ui.sh (do not edit):

uPlot $UPLOT_VERSION (MIT licence, uPlot.LICENSE.txt), from npm (integrity $UPLOT_INTEGRITY):
  uPlot.esm.js   dist/uPlot.esm.js
  uPlot.min.css  dist/uPlot.min.css
TXT
echo "vendored uplot@$UPLOT_VERSION into ${dest#"$repo/"}/"
