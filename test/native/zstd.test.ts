// zstd decompression (libzstd in the addon, src/image/zstd.ts) against the zstd command line:
// plain, multi-frame and skippable-frame streams, corrupt and truncated input, and a bomb that
// must stream in bounded pieces under backpressure.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';

import { CtrmonError } from '../../src/errors';
import { createZstdDecompress } from '../../src/image/store/zstd';

const hasZstd = spawnSync('zstd', ['--version']).status === 0;

function compress(data: Buffer, level = 3): Buffer {
  return execFileSync('zstd', ['-c', `-${level}`, '-q'], { input: data, maxBuffer: 256 << 20 });
}

/** Feeds input in chunks of chunkSize and collects the output. */
async function decompress(input: Buffer, chunkSize = 16384): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    createZstdDecompress(),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

function skippableFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x184d2a50, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

// Compressible but not trivial: text with random words.
const sample = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `line ${i} ${randomBytes(6).toString('hex')}\n`).join(''));

const zstdSkipReason = hasZstd ? false : 'the zstd command is not installed (apt-get install zstd)';

describe('zstd decompression', { skip: zstdSkipReason }, () => {
  test('round trip with the zstd CLI, in odd-sized chunks', async () => {
    const compressed = compress(sample);
    assert.ok(compressed.length < sample.length / 2);
    assert.ok((await decompress(compressed, 1001)).equals(sample));
    assert.ok((await decompress(compressed, compressed.length)).equals(sample));
  });

  test('concatenated frames and skippable frames (as zstd:chunked writes them)', async () => {
    const a = randomBytes(200_000);
    const stream = Buffer.concat([
      skippableFrame(Buffer.from('toc')),
      compress(a, 1),
      skippableFrame(randomBytes(5000)),
      compress(sample, 19),
    ]);
    assert.ok((await decompress(stream, 4096)).equals(Buffer.concat([a, sample])));
  });

  test('corrupt and truncated streams fail with ERR_LAYER_UNSAFE', async () => {
    const compressed = compress(sample);
    const corrupt = Buffer.from(compressed);
    for (let i = 100; i < 140; i++) corrupt[i] ^= 0x5a;
    const isLayerError = (pattern: RegExp) => (err: unknown) =>
      err instanceof CtrmonError && err.code === 'ERR_LAYER_UNSAFE' && pattern.test(err.message);
    await assert.rejects(decompress(corrupt), isLayerError(/invalid zstd data: zstd: /));
    await assert.rejects(decompress(compressed.subarray(0, compressed.length - 10)), isLayerError(/truncated/));
    await assert.rejects(decompress(Buffer.from('not zstd at all')), isLayerError(/Unknown frame descriptor|prefix/i));
  });

  test('a bomb streams in bounded pieces while the reader is slow', async () => {
    const size = 128 << 20;
    // 128 MiB of zeros compress to a few KiB.
    const bomb = execFileSync('sh', ['-c', `head -c ${size} /dev/zero | zstd -c -q -19`], { maxBuffer: 64 << 20 });
    assert.ok(bomb.length < 64 * 1024);
    const decoder = createZstdDecompress();
    Readable.from([bomb]).pipe(decoder);
    let total = 0;
    for await (const chunk of decoder) {
      total += chunk.length;
      // Only what the reader asked for is buffered: never the whole expansion.
      assert.ok(decoder.readableLength <= 1 << 20, `buffered ${decoder.readableLength}`);
    }
    assert.equal(total, size);
  });
});
