// Where a container's state lives: <state-dir>/<name>/ holds state.json, the notify socket, the
// derived bundle and the runtime's log.
import * as path from 'node:path';

export const DEFAULT_STATE_DIR = '/run/ctrmon';

export function containerDir(stateDir: string, name: string): string {
  return path.join(stateDir, name);
}

export function stateFile(stateDir: string, name: string): string {
  return path.join(containerDir(stateDir, name), 'state.json');
}
