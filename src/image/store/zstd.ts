// zstd decompression as a stream (Node 20's zlib has none): libzstd linked into the addon
// (native/zstd_decoder.h says why that one). Each native step makes at most ~128 KiB of output,
// and the next step runs only when the reader wants more, so a decompression bomb costs neither
// memory nor event-loop time beyond one step; what the bytes expand to is capped by the layer
// writer's byte limit downstream. Concatenated and skippable frames are decoded as zstd does.
import { Duplex } from 'node:stream';

import { CtrmonError, errorMessage } from '../../errors';
import { ZstdDecoder } from '../../native';

function corrupt(why: string, cause?: unknown): CtrmonError {
  return new CtrmonError('ERR_LAYER_UNSAFE', `layer refused: invalid zstd data: ${why}`, {}, cause === undefined ? {} : { cause });
}

/** A transform from zstd-compressed bytes to the plain bytes; errors with ERR_LAYER_UNSAFE on corrupt or truncated input. */
export class ZstdDecompress extends Duplex {
  private readonly decoder = new ZstdDecoder();
  private input: Buffer | null = null;
  private offset = 0;
  private inputDone: ((err?: Error | null) => void) | null = null;
  private finalDone: ((err?: Error | null) => void) | null = null;
  private frameOpen = false;
  private wantsOutput = true;
  private pumping = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.input = chunk;
    this.offset = 0;
    this.inputDone = callback;
    this.pump();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.finalDone = callback;
    this.pump();
  }

  override _read(): void {
    this.wantsOutput = true;
    this.pump();
  }

  private pump(): void {
    // push() may call back into _read() synchronously; the running loop carries on anyway.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.decode();
    } finally {
      this.pumping = false;
    }
  }

  private decode(): void {
    while (this.input !== null && this.wantsOutput) {
      const input = this.input;
      let step: ReturnType<ZstdDecoder['step']>;
      try {
        step = this.decoder.step(input, this.offset);
      } catch (err) {
        this.finishInput(corrupt(errorMessage(err), err));
        return;
      }
      this.offset = step.offset;
      this.frameOpen = step.frameOpen;
      // A full output buffer may leave decoded bytes inside zstd: step again even without input.
      const flushed = step.offset === input.length && !step.outputFull;
      if (step.output.length > 0) {
        // Cleared first: a _read() that push() triggers synchronously sets it again.
        this.wantsOutput = false;
        if (this.push(step.output)) this.wantsOutput = true;
      }
      if (flushed) this.finishInput(null);
    }
    if (this.input === null && this.finalDone !== null) {
      const done = this.finalDone;
      this.finalDone = null;
      if (this.frameOpen) {
        done(corrupt('the stream ends inside a frame (truncated)'));
      } else {
        this.push(null);
        done();
      }
    }
  }

  private finishInput(err: Error | null): void {
    const done = this.inputDone;
    this.input = null;
    this.inputDone = null;
    done?.(err);
  }
}

export function createZstdDecompress(): ZstdDecompress {
  return new ZstdDecompress();
}
