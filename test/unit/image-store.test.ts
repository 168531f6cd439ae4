import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { findFile, readTarIndex, TarWriter } from '../../src/image/archive/tar';
import { chainIds, type Digest, digestHex, digestOf, parseDigest } from '../../src/image/digest';
import { FileLock } from '../../src/native';
import { ImageStore } from '../../src/image/store/store';
import { MEDIA_TYPE } from '../../src/image/media-types';
import { REF_NAME_ANNOTATION } from '../../src/image/store/index-file';
import { putTestImage } from '../helpers/image-fixture';

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-image-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let stores = 0;

function newStore(options = {}): Promise<ImageStore> {
  return ImageStore.open(path.join(scratch, `store-${++stores}`), options);
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('digests', () => {
  test('only sha256 with 64 lowercase hex digits is a digest', () => {
    const hex = 'a'.repeat(64);
    assert.equal(parseDigest(`sha256:${hex}`), `sha256:${hex}`);
    for (const bad of [`sha512:${hex}`, `sha256:${'A'.repeat(64)}`, `sha256:${hex.slice(1)}`, `sha256:../${hex.slice(3)}`, hex, 42]) {
      assert.throws(() => parseDigest(bad, 'test digest'), {
        code: 'ERR_DIGEST_MISMATCH',
        message: /test digest .* is not a sha256 digest/,
      });
    }
  });

  test('ChainIDs follow image-spec: the first is the diff_id, then sha256 of "parent diff_id"', () => {
    const d = [digestOf('a'), digestOf('b'), digestOf('c')];
    const second = digestOf(`${d[0]} ${d[1]}`);
    assert.deepEqual(chainIds(d), [d[0], second, digestOf(`${second} ${d[2]}`)]);
  });
});

describe('blob ingest', () => {
  const data = Buffer.from('the content of a blob, in two chunks');
  const digest = digestOf(data);

  test('commit verifies size and digest, then the blob is under blobs/sha256 and nothing stays in ingest/', async () => {
    const store = await newStore();
    const ingest = (await store.openIngest(digest, data.length))!;
    assert.equal(ingest.offset, 0);
    await ingest.write(data.subarray(0, 10));
    await ingest.write(data.subarray(10));
    assert.deepEqual(await ingest.commit(), { digest, size: data.length });
    assert.deepEqual(readFileSync(store.blobPath(digest)), data);
    assert.deepEqual(files(store.paths.ingest), []);
    assert.equal(await store.openIngest(digest, data.length), null, 'a stored blob is not ingested again');
  });

  test('a wrong digest is refused naming it, and nothing of it is kept', async () => {
    const store = await newStore();
    const wrong = digestOf('something else');
    const ingest = (await store.openIngest(wrong, data.length))!;
    await ingest.write(data);
    await assert.rejects(ingest.commit(), {
      code: 'ERR_DIGEST_MISMATCH',
      message: new RegExp(`blob ${wrong}: the content's digest is ${digest}; nothing of it was kept`),
    });
    assert.deepEqual(files(store.paths.blobs), []);
    assert.ok(!existsSync(path.join(store.paths.ingest, digestHex(wrong))), 'no partial data left');
    assert.equal(store.hasBlob(wrong), false);
  });

  test('more bytes than the descriptor gives, or fewer at commit, are refused with nothing kept', async () => {
    const store = await newStore();
    const long = (await store.openIngest(digest, data.length - 1))!;
    await assert.rejects(long.write(data), { code: 'ERR_DIGEST_MISMATCH', message: /more than the \d+ bytes/ });
    const short = (await store.openIngest(digest, data.length + 1))!;
    await short.write(data);
    await assert.rejects(short.commit(), { code: 'ERR_DIGEST_MISMATCH', message: /bytes where its descriptor gives/ });
    assert.deepEqual(files(store.paths.blobs), []);
    assert.deepEqual(
      files(store.paths.ingest).filter((f) => !f.endsWith('.lock')),
      [],
    );
  });

  test('an interrupted ingest resumes: the bytes already there are re-hashed and reported as the offset', async () => {
    const store = await newStore();
    const first = (await store.openIngest(digest, data.length))!;
    await first.write(data.subarray(0, 12));
    await first.abort();
    const second = (await store.openIngest(digest, data.length))!;
    assert.equal(second.offset, 12);
    assert.deepEqual(readFileSync(second.dataPath), data.subarray(0, 12));
    await second.write(data.subarray(12));
    assert.deepEqual(await second.commit(), { digest, size: data.length });
  });

  test('restart drops the bytes of a resume the server did not honour', async () => {
    const store = await newStore();
    const first = (await store.openIngest(digest, data.length))!;
    await first.write(Buffer.from('garbage'));
    await first.abort();
    const second = (await store.openIngest(digest, data.length))!;
    assert.equal(second.offset, 7);
    await second.restart();
    await second.write(data);
    assert.deepEqual(await second.commit(), { digest, size: data.length });
  });

  test('a second writer of the same blob waits and then finds it committed', async () => {
    const store = await newStore();
    const first = (await store.openIngest(digest, data.length))!;
    let secondDone = false;
    const second = store.openIngest(digest, data.length).then((r) => {
      secondDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(secondDone, false, 'the second writer waits for the first');
    await first.write(data);
    await first.commit();
    assert.equal(await second, null);
  });

  test('an anonymous ingest learns its digest at commit', async () => {
    const store = await newStore();
    const ingest = await store.openAnonymousIngest();
    await ingest.write(data);
    assert.deepEqual(await ingest.commit(), { digest, size: data.length });
    assert.deepEqual(files(store.paths.ingest), []);
  });

  test('putBlob stores small blobs and readBlob verifies them on the way back', async () => {
    const store = await newStore();
    const { digest: d } = await store.putBlob(data);
    assert.deepEqual(store.readBlob(d), data);
    await assert.rejects(store.putBlob(data, { expected: digestOf('x') }), { code: 'ERR_DIGEST_MISMATCH' });
    writeFileSync(store.blobPath(d), 'tampered');
    assert.throws(() => store.readBlob(d), { code: 'ERR_DIGEST_MISMATCH', message: new RegExp(`does not match its digest ${d}`) });
    assert.throws(() => store.readBlob(digestOf('absent')), { code: 'ERR_IMAGE_NOT_FOUND' });
  });
});

describe('index.json', () => {
  test('is a standard layout with ref.name annotations, and tag/resolve/list/untag round-trip through it', async () => {
    const store = await newStore();
    assert.deepEqual(JSON.parse(readFileSync(store.paths.ociLayout, 'utf8')), { imageLayoutVersion: '1.0.0' });
    const a = await putTestImage(store, [{ 'a.txt': 'a' }], '127.0.0.1:5000/web:latest');
    const b = await putTestImage(store, [{ 'b.txt': 'b' }]);
    await store.tag('127.0.0.1:5000/web:1', a.manifest);
    const onDisk = JSON.parse(readFileSync(store.paths.index, 'utf8'));
    assert.equal(onDisk.schemaVersion, 2);
    assert.deepEqual(
      onDisk.manifests.map((d: { annotations: Record<string, string> }) => d.annotations[REF_NAME_ANNOTATION]),
      ['127.0.0.1:5000/web:latest', '127.0.0.1:5000/web:1'],
    );
    assert.equal(store.resolve('127.0.0.1:5000/web:latest')?.digest, a.manifest.digest);
    assert.equal(store.resolve('127.0.0.1:5000/web:nope'), undefined);

    // Moving a name: the image that loses it stays, without a name, until pruned.
    await store.tag('127.0.0.1:5000/web:latest', b.manifest);
    await store.tag('127.0.0.1:5000/web:1', b.manifest);
    assert.deepEqual(
      store.list().map((i) => [i.name, i.descriptor.digest]),
      [
        [null, a.manifest.digest],
        ['127.0.0.1:5000/web:latest', b.manifest.digest],
        ['127.0.0.1:5000/web:1', b.manifest.digest],
      ],
    );
    assert.equal((await store.untag('127.0.0.1:5000/web:1'))?.digest, b.manifest.digest);
    assert.equal(await store.untag('127.0.0.1:5000/web:1'), undefined);
    assert.equal(await store.removeImage(a.manifest.digest), 1);
    assert.deepEqual(
      store.list().map((i) => i.name),
      ['127.0.0.1:5000/web:latest'],
    );
    assert.deepEqual(
      files(store.root).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a name never leads to missing content: tagging a manifest whose layer is absent is refused', async () => {
    const store = await newStore();
    const image = await putTestImage(store, [{ f: '1' }]);
    rmSync(store.blobPath(image.layers[0]));
    await assert.rejects(store.tag('x/y:z', image.manifest), {
      code: 'ERR_IMAGE_NOT_FOUND',
      message: new RegExp(`blob ${image.layers[0]} is not in`),
    });
    assert.deepEqual(store.list(), []);
  });

  test('a corrupt index.json is an ERR_STORE error naming it', async () => {
    const store = await newStore();
    writeFileSync(store.paths.index, '{"schemaVersion": 2, "manifests": [{"digest": "md5:x"}]}');
    assert.throws(() => store.list(), { code: 'ERR_STORE', message: new RegExp(`${store.paths.index} is corrupt`) });
  });

  test('the store lock makes a writer wait, and give up with ERR_STORE_LOCKED naming the lock and its holder', async () => {
    const store = await newStore({ lockTimeoutMs: 150 });
    const image = await putTestImage(store, [{ f: '1' }]);
    const held = new FileLock(store.paths.lock);
    writeFileSync(store.paths.lock, '4242\n');
    try {
      await assert.rejects(store.tag('a/b:c', image.manifest), {
        code: 'ERR_STORE_LOCKED',
        message: new RegExp(`${store.paths.lock}, held by pid 4242\\); gave up after 150 ms`),
      });
    } finally {
      held.release();
    }
    await store.tag('a/b:c', image.manifest);
  });
});

describe('layer cache', () => {
  test('a staged layer appears under layers/<chainID> complete, with its record; a second stage finds it', async () => {
    const store = await newStore();
    const chainId = digestOf('layer');
    const staging = (await store.stageLayer(chainId))!;
    writeFileSync(path.join(staging.diffDir, 'file'), 'x');
    assert.equal(store.readLayer(chainId), null, 'invisible until committed');
    const record = await staging.commit({ diffId: chainId, parent: null, size: 1, blob: digestOf('blob'), mediaType: MEDIA_TYPE.ociLayer });
    assert.equal(store.readLayer(chainId)?.diffId, record.diffId);
    assert.equal(readFileSync(path.join(store.layerDiffPath(chainId), 'file'), 'utf8'), 'x');
    assert.equal(await store.stageLayer(chainId), null);
    assert.deepEqual(files(store.paths.staging), []);
  });

  test('an aborted stage leaves nothing', async () => {
    const store = await newStore();
    const chainId = digestOf('aborted');
    const staging = (await store.stageLayer(chainId))!;
    writeFileSync(path.join(staging.diffDir, 'file'), 'x');
    staging.abort();
    assert.equal(store.readLayer(chainId), null);
    assert.ok(!existsSync(staging.dir));
    assert.deepEqual(files(store.paths.layers), []);
  });
});

describe('garbage collection and leases', () => {
  test('keeps what index.json and live leases reach, deletes the rest and stale leases', async () => {
    const store = await newStore();
    const tagged = await putTestImage(store, [{ base: 'base' }, { top: 'top' }], 'reg/tagged:1');
    const leased = await putTestImage(store, [{ leased: 'yes' }]);
    const orphan = await putTestImage(store, [{ orphan: 'yes' }]);
    const staleImage = await putTestImage(store, [{ stale: 'yes' }]);
    const layerOf = async (chainId: Digest) => {
      const s = (await store.stageLayer(chainId))!;
      await s.commit({ diffId: chainId, parent: null, size: 0, blob: chainId, mediaType: MEDIA_TYPE.ociLayer });
    };
    for (const c of [...tagged.chainIds, ...leased.chainIds, ...orphan.chainIds]) await layerOf(c);
    const lease = await store.createLease('container-web');
    await lease.add({ digests: [leased.manifest.digest] });
    const stale = await store.createLease('dead-holder', { pid: 999_999_999, startTime: 1 });
    await stale.add({ digests: [staleImage.manifest.digest] });

    const result = await store.collectGarbage();
    const kept = (i: typeof tagged) => [i.manifest.digest, i.config, ...i.layers].every((d) => store.hasBlob(d));
    assert.ok(kept(tagged), 'tagged image kept');
    assert.ok(kept(leased), 'leased image kept');
    assert.ok(
      [orphan.manifest.digest, orphan.config, ...orphan.layers, staleImage.manifest.digest].every((d) => !store.hasBlob(d)),
      'unreferenced and stale-leased blobs deleted',
    );
    assert.ok(
      [...tagged.chainIds, ...leased.chainIds].every((c) => store.readLayer(c) !== null),
      'layers of kept images kept',
    );
    assert.equal(store.readLayer(orphan.chainIds[0]), null);
    assert.deepEqual({ blobs: result.blobs, layers: result.layers, leases: result.leases }, { blobs: 3 + 3, layers: 1, leases: 1 });
    assert.deepEqual(
      store.liveLeases().map((l) => l.id),
      ['container-web'],
    );
    assert.deepEqual(files(store.paths.trash), []);

    lease.release();
    await store.collectGarbage();
    assert.ok(!store.hasBlob(leased.manifest.digest), 'released lease no longer keeps anything');
  });

  test('content a pull leases is kept before it is tagged; an ingest in progress is not touched', async () => {
    const store = await newStore();
    const lease = await store.createLease();
    const data = Buffer.from('layer being pulled');
    const blob = await store.putBlob(Buffer.from('already here'), { lease });
    const ingest = (await store.openIngest(digestOf(data), data.length, { lease }))!;
    await ingest.write(data.subarray(0, 5));
    const staging = (await store.stageLayer(digestOf('chain'), { lease }))!;
    await store.collectGarbage();
    assert.ok(store.hasBlob(blob.digest));
    assert.ok(existsSync(ingest.dataPath) && existsSync(staging.dir), 'work in progress survives');
    await ingest.write(data.subarray(5));
    await ingest.commit();
    await staging.commit({ diffId: digestOf('chain'), parent: null, size: 0, blob: digestOf(data), mediaType: MEDIA_TYPE.ociLayer });
    await store.collectGarbage();
    assert.ok(store.hasBlob(digestOf(data)) && store.readLayer(digestOf('chain')) !== null);
    lease.release();
  });

  test('a lease id held by a live process cannot be taken', async () => {
    const store = await newStore();
    await store.createLease('taken', { pid: 1, startTime: Number(readFileSync('/proc/1/stat', 'utf8').split(') ')[1].split(' ')[19]) });
    await assert.rejects(store.createLease('taken'), { code: 'ERR_STORE_LOCKED', message: /lease taken is held by pid 1/ });
  });
});

describe('recovery', () => {
  test('removes temporary files, abandoned staging and finished or anonymous ingests; keeps resumable ingests and content', async () => {
    const store = await newStore();
    const image = await putTestImage(store, [{ f: 'kept' }], 'reg/img:1');
    const p = store.paths;
    writeFileSync(`${p.index}.12345.tmp`, '{"schemaVersion": 2, "manif');
    mkdirSync(p.leases, { recursive: true });
    writeFileSync(path.join(p.leases, 'x.json.12345.tmp'), '');
    mkdirSync(path.join(p.staging, 'a'.repeat(64), 'diff'), { recursive: true });
    writeFileSync(path.join(p.staging, `${'a'.repeat(64)}.lock`), '');
    mkdirSync(p.ingest, { recursive: true });
    writeFileSync(path.join(p.ingest, 'anon-1-1'), 'x');
    writeFileSync(path.join(p.ingest, digestHex(image.config)), 'committed before the crash');
    const partial = path.join(p.ingest, 'b'.repeat(64));
    writeFileSync(partial, 'resume me');
    mkdirSync(path.join(p.trash, 'c'.repeat(64)), { recursive: true });

    const result = await store.recover();
    assert.deepEqual(result, { tempFiles: 2, ingests: 2, staging: 1 });
    assert.deepEqual(
      files(p.root).filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.deepEqual(files(p.staging), []);
    assert.deepEqual(files(p.ingest), ['b'.repeat(64)]);
    assert.equal(readFileSync(partial, 'utf8'), 'resume me');
    assert.ok(!existsSync(p.trash));
    assert.equal(store.resolve('reg/img:1')?.digest, image.manifest.digest);
    assert.ok(store.hasBlob(image.config));
  });

  test('leaves work in progress alone', async () => {
    const store = await newStore();
    const data = Buffer.from('in progress');
    const ingest = (await store.openIngest(digestOf(data), data.length))!;
    await ingest.write(data.subarray(0, 3));
    const anon = await store.openAnonymousIngest();
    const staging = (await store.stageLayer(digestOf('busy')))!;
    assert.deepEqual(await store.recover(), { tempFiles: 0, ingests: 0, staging: 0 });
    assert.ok(existsSync(ingest.dataPath) && existsSync(anon.dataPath) && existsSync(staging.dir));
    await ingest.abort(false);
    await anon.abort();
    staging.abort();
  });
});

describe('archive tar', () => {
  test('what the writer writes, the reader and GNU tar read, long names included', async () => {
    const file = path.join(scratch, 'w.tar');
    const long = `blobs/${'n'.repeat(120)}`;
    const out = await open(file, 'w');
    const tar = new TarWriter(out);
    await tar.addDirectory('blobs');
    await tar.addFile('short', 3, Buffer.from('abc'));
    await tar.addFile(long, 600, Buffer.alloc(600, 1));
    await tar.addFile('empty', 0, Buffer.alloc(0));
    await tar.finish();
    await out.close();
    const entries = readTarIndex(file);
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.size]),
      [
        ['blobs', 'directory', 0],
        ['short', 'file', 3],
        [long, 'file', 600],
        ['empty', 'file', 0],
      ],
    );
    assert.equal(
      readFileSync(file)
        .subarray(entries[1].offset, entries[1].offset + 3)
        .toString(),
      'abc',
    );
    const gnu = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
    assert.equal(gnu.status, 0, gnu.stderr);
    assert.match(gnu.stdout, new RegExp(`${long}\n`));
  });

  for (const format of ['gnu', 'pax', 'ustar']) {
    test(`reads GNU tar's ${format} archives, long names and symlinks as names within the archive`, () => {
      const dir = path.join(scratch, `src-${format}`);
      // ustar: a name split into prefix and name; gnu and pax: longer than any ustar field.
      const deep = format === 'ustar' ? `${'d'.repeat(90)}/${'f'.repeat(90)}` : `${'d'.repeat(150)}/${'f'.repeat(150)}`;
      mkdirSync(path.dirname(path.join(dir, deep)), { recursive: true });
      writeFileSync(path.join(dir, deep), 'deep');
      spawnSync('ln', ['-s', `${path.basename(deep)}`, path.join(dir, path.dirname(deep), 'link')]);
      spawnSync('ln', ['-s', `${path.dirname(deep)}/link`, path.join(dir, 'alias')]);
      const file = path.join(scratch, `${format}.tar`);
      const r = spawnSync('tar', ['-C', dir, `--format=${format}`, '-cf', file, '.']);
      assert.equal(r.status, 0, String(r.stderr));
      const entries = new Map(readTarIndex(file).map((e) => [e.name, e]));
      const target = findFile(entries, 'alias', file)!;
      assert.equal(target.name, deep);
      assert.equal(
        readFileSync(file)
          .subarray(target.offset, target.offset + 4)
          .toString(),
        'deep',
      );
    });
  }

  test('refuses hard links, escaping names and corrupt headers', () => {
    const dir = path.join(scratch, 'hard');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'a'), 'a');
    spawnSync('ln', ['-f', path.join(dir, 'a'), path.join(dir, 'b')]);
    const hard = path.join(scratch, 'hard.tar');
    spawnSync('tar', ['-C', dir, '-cf', hard, 'a', 'b']);
    assert.throws(() => readTarIndex(hard), { code: 'ERR_STORE', message: /entry "b" has type '1'/ });

    const escaping = path.join(scratch, 'escape.tar');
    spawnSync('tar', ['-C', dir, '-cf', escaping, '--transform', 's,^a,../a,', 'a']);
    assert.throws(() => readTarIndex(escaping), { code: 'ERR_STORE', message: /"\.\.\/a" is not a plain relative path/ });

    const corrupt = path.join(scratch, 'corrupt.tar');
    const bytes = readFileSync(hard);
    bytes[10] ^= 0xff;
    writeFileSync(corrupt, bytes);
    assert.throws(() => readTarIndex(corrupt), { code: 'ERR_STORE', message: /bad header checksum at byte 0/ });
  });
});
