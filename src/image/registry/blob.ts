// A blob as a Readable that verifies while it streams: the bytes are hashed as they pass, more
// bytes than the descriptor's size are refused at once, and the stream ends only when size and
// sha256 both match (otherwise it fails with ERR_DIGEST_MISMATCH naming the digest, instead of
// ending). A connection lost in the middle is resumed from the bytes already delivered with a
// Range request to the registry path (not a redirect target, whose signed URL may have expired).
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { CtrmonError, errorMessage } from '../../errors';
import type { HttpResponse } from './transport';
import { backoffDelay, type RetryPolicy } from './requests';

export interface BlobDescriptor {
  digest: string;
  size: number;
}

/** Opens the blob's GET (authorised, redirects followed) from byte `offset`; rejects with a CtrmonError for a refusal. */
export type BlobOpener = (offset: number) => Promise<HttpResponse>;

export interface BlobResume {
  /** Bytes the caller already has (e.g. a partial file in the store's ingest directory). */
  offset: number;
  /** A sha256 fed with exactly those bytes. */
  hash: Hash;
}

export class VerifiedBlobStream extends Readable {
  private delivered: number;
  private readonly hash: Hash;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private skip = 0;
  private failures = 0;
  private pumping = false;
  /** Times the download was resumed with a Range request. */
  resumes = 0;

  constructor(
    private readonly open: BlobOpener,
    private readonly descriptor: BlobDescriptor,
    private readonly retry: RetryPolicy,
    resume?: BlobResume,
  ) {
    super({ highWaterMark: 256 * 1024 });
    this.delivered = resume?.offset ?? 0;
    this.hash = resume?.hash ?? createHash('sha256');
    if (this.delivered > descriptor.size) throw this.mismatch(`resume offset ${this.delivered} is past its size ${descriptor.size}`);
  }

  private mismatch(why: string): CtrmonError {
    return new CtrmonError('ERR_DIGEST_MISMATCH', `blob ${this.descriptor.digest}: ${why}`, { digest: this.descriptor.digest });
  }

  override _read(): void {
    // Node may ask again while a pump is awaiting the network; that pump keeps reading anyway.
    if (this.pumping) return;
    this.pumping = true;
    this.pump().catch((err) => this.destroy(err));
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const reader = this.reader;
    this.reader = undefined;
    if (reader)
      reader.cancel().then(
        () => callback(err),
        () => callback(err),
      );
    else callback(err);
  }

  private async connect(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const offset = this.delivered;
    const res = await this.open(offset);
    if (offset > 0 && res.status === 206) {
      const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        await res.body?.cancel();
        throw new CtrmonError(
          'ERR_REGISTRY',
          `blob ${this.descriptor.digest}: asked for bytes from ${offset}, got Content-Range "${res.headers.get('content-range')}"`,
          {
            digest: this.descriptor.digest,
          },
        );
      }
      this.skip = 0;
    } else {
      // A registry that ignores Range sends it all again: what was delivered is skipped.
      this.skip = offset;
    }
    if (res.body === null)
      throw new CtrmonError('ERR_REGISTRY', `blob ${this.descriptor.digest}: the response has no body`, { digest: this.descriptor.digest });
    if (offset > 0) this.resumes++;
    return res.body.getReader();
  }

  // pumping is cleared in the same tick as the last push (a finally of this very function), so a
  // _read that follows is never ignored.
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const bytes = await this.nextBytes();
        if (bytes === undefined || this.destroyed) return;
        if (!this.push(bytes)) return;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The next verified bytes, or undefined once the blob has ended verified. */
  private async nextBytes(): Promise<Buffer | undefined> {
    for (;;) {
      let chunk: Uint8Array;
      try {
        if (this.reader === undefined) this.reader = await this.connect();
        const next = await this.reader.read();
        if (next.done) {
          this.reader = undefined;
          if (this.delivered === this.descriptor.size) {
            this.finish();
            return undefined;
          }
          throw new Error(`the connection ended after ${this.delivered} of ${this.descriptor.size} bytes`);
        }
        chunk = next.value;
      } catch (err) {
        if (err instanceof CtrmonError) throw err;
        this.reader = undefined;
        if (++this.failures >= this.retry.attempts) {
          throw new CtrmonError(
            'ERR_REGISTRY',
            `blob ${this.descriptor.digest}: download failed after ${this.failures} attempts: ${errorMessage(err)}`,
            { digest: this.descriptor.digest },
            { cause: err },
          );
        }
        await sleep(backoffDelay(this.retry, this.failures));
        continue;
      }
      let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length);
        this.skip -= n;
        bytes = bytes.subarray(n);
        if (bytes.length === 0) continue;
      }
      if (this.delivered + bytes.length > this.descriptor.size)
        throw this.mismatch(`the registry sent more than its size of ${this.descriptor.size} bytes`);
      this.failures = 0;
      this.delivered += bytes.length;
      this.hash.update(bytes);
      return bytes;
    }
  }

  private finish(): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.descriptor.digest) throw this.mismatch(`content has digest ${actual}`);
    this.push(null);
  }
}
