#!/usr/bin/env bash
# Installs this package, packed as npm publishes it, into a new consumer project that already
# depends on the newest @pulumi/pulumi, and shows that the consumer ends up with one copy of the
# SDK (our peer dependency) rather than a second one nested under rancher-audit. Needs the npm
# registry; run it from anywhere: bash scripts/consumer-sdk-copies.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
consumer=$(mktemp -d)
trap 'rm -rf "$consumer"' EXIT
tarball=$(cd "$repo" && npm pack --silent --pack-destination "$consumer" | tail -n 1)
cd "$consumer"
npm init -y >/dev/null
npm install --no-audit --no-fund @pulumi/pulumi@latest
npm install --no-audit --no-fund "./$tarball"
npm ls --all @pulumi/pulumi
copies=$(npm ls --all --parseable @pulumi/pulumi | grep -c node_modules)
echo "copies of @pulumi/pulumi: $copies"
[ "$copies" -eq 1 ]
