// The pin: a runtime drop-in that makes a unit's monitor start one exact image digest
// (policy.ts PINNED_DIGEST_ENV) while the engine verifies it. The reference in the store is moved
// only after the image has proved itself, so a crash or a reboot in between never leaves a name
// pointing at a digest that was not verified: /run is gone at reboot, and the next run finds the
// intent record and removes the pin itself.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { replaceFile } from '../fs/durable-file';
import type { SystemdClient } from '../systemd/systemd-client';
import { PINNED_DIGEST_ENV } from './policy';
import { recordError } from './records';

/** The system manager's runtime units: drop-ins here apply to a unit wherever its file is. */
export const RUNTIME_UNIT_DIR = '/run/systemd/system';
const DROP_IN = '50-ctrmon-auto-update.conf';

export class UnitPin {
  constructor(
    private readonly client: SystemdClient,
    private readonly unitDir = RUNTIME_UNIT_DIR,
  ) {}

  file(unit: string): string {
    return path.join(this.unitDir, `${unit}.d`, DROP_IN);
  }

  async pin(unit: string, digest: string): Promise<void> {
    const file = this.file(unit);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      replaceFile(
        file,
        `# ctrmon auto-update: this image is being verified\n[Service]\nEnvironment=${PINNED_DIGEST_ENV}=${digest}\n`,
        false,
      );
    } catch (err) {
      throw recordError('write', file, err);
    }
    await this.client.daemonReload();
  }

  /** Removes the pin; reloads only when there was one. */
  async unpin(unit: string): Promise<void> {
    const file = this.file(unit);
    if (!existsSync(file)) return;
    try {
      rmSync(file);
    } catch (err) {
      throw recordError('remove', file, err);
    }
    await this.client.daemonReload();
  }
}
