// The intent record: written before a unit is touched, removed once it is settled. It names the
// image the unit ran (from: verified) and the one it is moved to (to: not yet), so that a run killed
// at any step leaves enough for the next run to put the unit back on `from` (recovery.ts) before it
// does anything else. One unit is changed at a time, so there is at most one record.
import { CtrmonError } from '../errors';
import { isDigest } from '../image/digest';
import type { Descriptor } from '../image/store/index-file';
import { readRecord, removeRecord, writeRecord } from './records';

export interface Intent {
  kind: 'update' | 'rollback';
  unit: string;
  container: string;
  /** The store and the reference (normalised) whose image changes. */
  root: string;
  name: string;
  from: Descriptor;
  to: Descriptor;
  /** Units that require this one and were active before. */
  dependents: string[];
  pid: number;
  time: string;
}

export function readIntent(file: string): Intent | undefined {
  const value = readRecord(file) as Intent | null | undefined;
  if (value === undefined) return undefined;
  const ok =
    value !== null &&
    (value.kind === 'update' || value.kind === 'rollback') &&
    typeof value.unit === 'string' &&
    typeof value.container === 'string' &&
    typeof value.root === 'string' &&
    typeof value.name === 'string' &&
    isDigest(value.from?.digest) &&
    isDigest(value.to?.digest) &&
    Array.isArray(value.dependents);
  if (!ok) throw new CtrmonError('ERR_UPDATE', `auto-update: ${file} is corrupt: not an intent record`, { path: file });
  return value;
}

export function writeIntent(file: string, intent: Intent): void {
  writeRecord(file, intent);
}

export function clearIntent(file: string): void {
  removeRecord(file);
}
