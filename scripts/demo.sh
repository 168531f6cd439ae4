#!/usr/bin/env bash
# demo.sh - the README's first command: sets up this machine for ctrmon (Debian packages, npm
# dependencies, the native addon) and checks the build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install-deps.sh"
cd "$root"
node -e "const n = require('./dist/src/native'); n.setChildSubreaper(true); console.log('ctrmon native layer loaded; child subreaper:', n.isChildSubreaper())"
