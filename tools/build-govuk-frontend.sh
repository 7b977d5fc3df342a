#!/usr/bin/env bash
# Rebuilds the vendored GOV.UK Frontend CSS and JS in crates/web/assets/govuk/ from the
# govuk-frontend npm package (MIT licence), with Arial instead of the GOV.UK-only typeface.
# The output is committed, so building selfdirect never needs Node; run this to upgrade.
set -euo pipefail
version="${1:-5.14.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent "govuk-frontend@$version" sass@1
npx sass --load-path=node_modules/govuk-frontend/dist --style=compressed --no-source-map \
  --quiet-deps --silence-deprecation=import "$here/tools/govuk-frontend.scss" "$here/crates/web/assets/govuk/govuk-frontend.min.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$here/crates/web/assets/govuk/"
# crates/web/assets/govuk/LICENSE.txt records the MIT licence: keep its version line current.
echo "GOV.UK Frontend $version vendored into crates/web/assets/govuk/"
