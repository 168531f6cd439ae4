// The pin: the file in a container's state directory (state/paths.ts imagePinFile) that makes its
// monitor's next start run one exact image digest, while the engine verifies it. The reference in
// the store moves only after the image has proved itself, so a crash or a reboot in between never
// leaves a name pointing at a digest that was not verified: the state directory is a tmpfs, gone at
// reboot, and the next run finds the intent record and removes the pin itself. A file rather than a
// unit drop-in: no daemon-reload, which costs tens of milliseconds per unit and reloads every unit.
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { replaceFile } from '../fs/durable-file';
import { imagePinFile } from '../state/paths';
import { recordError } from './records';

export class ImagePin {
  constructor(private readonly stateDir: string) {}

  file(container: string): string {
    return imagePinFile(this.stateDir, container);
  }

  pin(container: string, digest: string): void {
    const file = this.file(container);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      replaceFile(file, `${digest}\n`, false);
    } catch (err) {
      throw recordError('write', file, err);
    }
  }

  unpin(container: string): void {
    const file = this.file(container);
    try {
      rmSync(file, { force: true });
    } catch (err) {
      throw recordError('remove', file, err);
    }
  }
}
