#!/usr/bin/env bash
# demo.sh - the README's first command: sets up this machine for ctrmon (Debian packages, npm
# dependencies, the native addon and sender, the TypeScript build), then runs the built-in demo
# container under `ctrmon monitor` and shows its READY relayed and its exit code.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install-deps.sh"
exec node "$root/bin/ctrmon.js" demo
