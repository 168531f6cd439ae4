// Where a container's state lives: <state-dir>/<name>/ holds state.json, the notify socket, the
// derived bundle, the runtime's log, and the image pin the update engine may leave there.
import * as path from 'node:path';

export function containerDir(stateDir: string, name: string): string {
  return path.join(stateDir, name);
}

export function stateFile(stateDir: string, name: string): string {
  return path.join(containerDir(stateDir, name), 'state.json');
}

/**
 * The image digest the next start of an image container runs instead of the one its reference
 * names: written by the update engine while it verifies a new image, so that the reference moves
 * only once the image has proved itself. In the state directory (tmpfs): gone at reboot.
 */
export function imagePinFile(stateDir: string, name: string): string {
  return path.join(containerDir(stateDir, name), 'image-pin');
}
