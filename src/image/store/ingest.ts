// Writing one blob into the store (containerd's ingest): the bytes go to ingest/<hex> while they
// are hashed and counted, and commit() checks the exact size and the sha256, fsyncs the file,
// renames it to blobs/sha256/<hex> and fsyncs that directory. A blob under blobs/ is therefore
// always complete and correct; a wrong one is deleted at once and nothing of it is kept.
//
// The writer holds ingest/<hex>.lock for as long as the ingest is open, so one process downloads a
// blob while another wanting the same blob waits and then finds it committed, and recovery and
// garbage collection leave an ingest in progress alone. An ingest that was interrupted (a lost
// connection, a SIGKILL) keeps its bytes: the next open re-hashes them (a hash state cannot be
// saved) and reports them as `offset`, for a Range request.
//
// Lock files and unlinking: a lock file may be unlinked while a waiter has opened it but not yet
// flock'ed it, and that waiter would then hold a lock nobody else sees. So a waiter opens and locks
// only while it holds the store lock (acquireLock's guard), a writer unlinks its lock file only
// after its blob is committed (a waiter holding the old file then finds the blob), and everyone
// else (recovery, garbage collection) unlinks lock files only under the store lock.
import { createReadStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import * as path from 'node:path';
import { Writable } from 'node:stream';

import { CtrmonError } from '../../errors';
import type { FileLock } from '../../native';
import { type Digest, digestHex, hashDigest, sha256 } from '../digest';
import { ensureDirectories, fsyncDirectory, storeError } from './files';
import { acquireLock, type LockWait } from './lock';
import type { StorePaths } from './paths';

export interface CommittedBlob {
  digest: Digest;
  size: number;
}

/** Called with the digest before the blob appears under blobs/ (the store adds it to a lease there). */
export type BeforeCommit = (digest: Digest) => Promise<void>;

let anonymousCount = 0;

async function hashFile(file: string, hash: ReturnType<typeof sha256>): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

export class BlobIngest {
  private hash = sha256();
  private bytes = 0;
  private done = false;

  private constructor(
    private readonly paths: StorePaths,
    /** The expected digest, or null when it is learnt at commit (an archive's layer). */
    readonly digest: Digest | null,
    /** The expected size, or null when unknown. */
    readonly size: number | null,
    /** The partial blob; a resuming writer reads its first `offset` bytes from here. */
    readonly dataPath: string,
    private readonly lock: FileLock,
    private readonly file: FileHandle,
    private readonly beforeCommit: BeforeCommit | undefined,
    /** Bytes already there from an interrupted ingest, already hashed. */
    readonly offset: number,
  ) {
    this.bytes = offset;
  }

  /**
   * Opens the ingest of digest, waiting while another process writes it; null when the blob is
   * (or has meanwhile been) committed.
   */
  static async open(
    paths: StorePaths,
    digest: Digest,
    size: number,
    wait: LockWait,
    beforeCommit?: BeforeCommit,
  ): Promise<BlobIngest | null> {
    if (existsSync(paths.blob(digest))) return null;
    ensureDirectories(paths.ingest);
    const dataPath = path.join(paths.ingest, digestHex(digest));
    const lock = await acquireLock(`${dataPath}.lock`, `blob ${digest}`, wait, paths.lock);
    try {
      if (existsSync(paths.blob(digest))) {
        lock.release();
        return null;
      }
      const hash = sha256();
      let offset = 0;
      if (existsSync(dataPath)) {
        offset = statSync(dataPath).size > size ? 0 : await hashFile(dataPath, hash);
        if (offset === 0) rmSync(dataPath, { force: true });
      }
      const file = await open(dataPath, 'a', 0o644);
      const ingest = new BlobIngest(paths, digest, size, dataPath, lock, file, beforeCommit, offset);
      ingest.hash = hash;
      return ingest;
    } catch (err) {
      lock.release();
      throw storeError('open ingest', dataPath, err);
    }
  }

  /** An ingest whose digest is learnt from its content (the file name is unique to this process). */
  static async openAnonymous(paths: StorePaths, wait: LockWait, beforeCommit?: BeforeCommit): Promise<BlobIngest> {
    ensureDirectories(paths.ingest);
    const dataPath = path.join(paths.ingest, `anon-${process.pid}-${++anonymousCount}`);
    const lock = await acquireLock(`${dataPath}.lock`, `ingest ${dataPath}`, wait, paths.lock);
    try {
      rmSync(dataPath, { force: true });
      const file = await open(dataPath, 'a', 0o644);
      return new BlobIngest(paths, null, null, dataPath, lock, file, beforeCommit, 0);
    } catch (err) {
      lock.release();
      throw storeError('open ingest', dataPath, err);
    }
  }

  /** Bytes in the ingest so far (offset included). */
  get written(): number {
    return this.bytes;
  }

  private what(): string {
    return this.digest ? `blob ${this.digest}` : `blob ingested at ${this.dataPath}`;
  }

  private async mismatch(message: string, digest?: string): Promise<never> {
    await this.abort(false);
    throw new CtrmonError('ERR_DIGEST_MISMATCH', message, { digest: digest ?? this.digest ?? undefined, path: this.dataPath });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.done) throw new CtrmonError('ERR_STORE', `image store: ${this.what()} is already closed`, { path: this.dataPath });
    if (this.size !== null && this.bytes + chunk.length > this.size) {
      await this.mismatch(`${this.what()}: more than the ${this.size} bytes its descriptor gives; nothing of it was kept`);
    }
    try {
      await this.file.write(chunk);
    } catch (err) {
      throw storeError('write', this.dataPath, err);
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** A stream face of write(), for pipeline(). */
  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.write(chunk).then(() => callback(), callback);
      },
    });
  }

  /** Drops the bytes written so far: the server sent the whole blob instead of the range asked for. */
  async restart(): Promise<void> {
    try {
      await this.file.truncate(0);
    } catch (err) {
      throw storeError('truncate', this.dataPath, err);
    }
    this.hash = sha256();
    this.bytes = 0;
  }

  /** Verifies size and digest, then makes the blob visible under blobs/; a mismatch deletes the data (ERR_DIGEST_MISMATCH). */
  async commit(): Promise<CommittedBlob> {
    if (this.size !== null && this.bytes !== this.size) {
      await this.mismatch(`${this.what()}: ${this.bytes} bytes where its descriptor gives ${this.size}; nothing of it was kept`);
    }
    const actual = hashDigest(this.hash);
    if (this.digest !== null && actual !== this.digest) {
      await this.mismatch(`${this.what()}: the content's digest is ${actual}; nothing of it was kept`);
    }
    const target = this.paths.blob(actual);
    try {
      await this.file.sync();
      await this.file.close();
      this.done = true;
      if (this.beforeCommit) await this.beforeCommit(actual);
      renameSync(this.dataPath, target);
      fsyncDirectory(this.paths.blobs);
    } catch (err) {
      await this.abort(false);
      throw storeError('commit blob', target, err);
    }
    this.unlock(true);
    return { digest: actual, size: this.bytes };
  }

  /** Ends the ingest; keep leaves the bytes for a resume (only an ingest of a known digest can resume). */
  async abort(keep = true): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.file.close().catch(() => undefined);
    }
    if (!keep || this.digest === null) rmSync(this.dataPath, { force: true });
    this.unlock();
  }

  private unlock(committed = false): void {
    // Only after a commit: see the header.
    if (committed) rmSync(`${this.dataPath}.lock`, { force: true });
    this.lock.release();
  }
}
