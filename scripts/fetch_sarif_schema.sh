#!/usr/bin/env bash
# Fetch the SARIF 2.1.0 JSON Schema for the tests, from the npm package
# @microsoft/jest-sarif (MIT), which ships it. Nothing is committed; the file
# lands in .cache/. Without npm the SARIF schema test is skipped (it fails on CI).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/sarif-schema-2.1.0.json
[ -s "$dest" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the SARIF schema test will be skipped" >&2
  exit 0
fi
mkdir -p .cache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
tar xzf "$tmp"/microsoft-jest-sarif-*.tgz -C "$tmp"
cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dest"
