// Digests that failed: once a new image has been rolled back, the same digest is not tried again
// for that reference. The registry (or the store) must offer a different one first. podman has no
// such memory and pulls, restarts and rolls back the same bad image at every run.
import { CtrmonError } from '../errors';
import { isDigest, type Digest } from '../image/digest';
import { readRecord, writeRecord } from './records';

export interface QuarantineEntry {
  /** The normalised reference. */
  name: string;
  digest: Digest;
  unit: string;
  /** The step that failed (report.ts CAUSES) and what happened. */
  cause: string;
  reason: string;
  time: string;
}

export class Quarantine {
  private constructor(
    private readonly file: string,
    private entries: QuarantineEntry[],
  ) {}

  static load(file: string): Quarantine {
    const value = readRecord(file) as { entries?: unknown } | null | undefined;
    if (value === undefined) return new Quarantine(file, []);
    const entries = value?.entries;
    const valid =
      Array.isArray(entries) &&
      entries.every((e: QuarantineEntry) => typeof e?.name === 'string' && isDigest(e.digest) && typeof e.unit === 'string');
    if (!valid)
      throw new CtrmonError('ERR_UPDATE', `auto-update: ${file} is corrupt: expected {"entries": [{name, digest, unit, ...}]}`, {
        path: file,
      });
    return new Quarantine(file, entries as QuarantineEntry[]);
  }

  find(name: string, digest: Digest): QuarantineEntry | undefined {
    return this.entries.find((e) => e.name === name && e.digest === digest);
  }

  list(): readonly QuarantineEntry[] {
    return this.entries;
  }

  add(entry: QuarantineEntry): void {
    this.entries = [...this.entries.filter((e) => !(e.name === entry.name && e.digest === entry.digest)), entry];
    writeRecord(this.file, { entries: this.entries });
  }
}
