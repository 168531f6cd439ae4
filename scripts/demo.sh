#!/usr/bin/env bash
# demo.sh - the README's first command: sets up this machine for ctrmon (Debian packages, npm
# dependencies, the native addon and sender, the TypeScript build), then runs the built-in demo
# container under `ctrmon monitor`: first with a stand-in for systemd's notify socket, then as a
# service of a real (private) systemd, then from a registry image as that service, then two
# services that publish the same port inside on two host ports; last, the main
# job: `ctrmon auto-update` moves that service to a new image, then rolls back one that crashes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install-deps.sh"
node "$root/bin/ctrmon.js" demo
echo
node "$root/bin/ctrmon.js" demo --systemd
echo
node "$root/bin/ctrmon.js" demo --systemd --image
echo
node "$root/bin/ctrmon.js" demo --systemd --ports
echo
node "$root/bin/ctrmon.js" demo --systemd --update
