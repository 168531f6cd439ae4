// Where a state directory keeps its networks' running state: <state-dir>/.network/ (a dot, so that
// no container name can take it) holds the address leases and netavark's --config directory
// (aardvark-dns's records). A container's own record of what was set up for it is
// <state-dir>/<name>/network.json. Both are on the state directory's tmpfs: gone at reboot, with
// the bridges and rules they describe.
import * as path from 'node:path';

export const networkRunDir = (stateDir: string) => path.join(stateDir, '.network');
export const leasesDir = (stateDir: string) => path.join(networkRunDir(stateDir), 'leases');
export const netavarkConfigDir = (stateDir: string) => path.join(networkRunDir(stateDir), 'netavark');
export const networkRecordFile = (containerDir: string) => path.join(containerDir, 'network.json');
