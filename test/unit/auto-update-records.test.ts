// The update engine's records (quarantine.ts, intent.ts) and the previous images it keeps in a real
// image store for rollbacks (previous-images.ts), which `image prune --all` leaves alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type Digest, digestOf } from '../../src/image/digest';
import { pruneImages } from '../../src/image/store/images';
import { ImageStore } from '../../src/image/store/store';
import { PREVIOUS_OF_ANNOTATION, REPLACED_ANNOTATION } from '../../src/image/store/index-file';
import { type Intent, clearIntent, readIntent, writeIntent } from '../../src/update/intent';
import { DEFAULT_KEEP, descriptorOf, digestName, previousChanges, previousImages } from '../../src/update/previous-images';
import { Quarantine, type QuarantineEntry } from '../../src/update/quarantine';
import { UpdateDir } from '../../src/update/records';
import { putTestImage, type TestImage } from '../helpers/image-fixture';
import { delay } from '../helpers/wait';

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-auto-update-records-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

function newDir(): UpdateDir {
  const dir = new UpdateDir(path.join(scratch, `update-${++dirs}`));
  dir.ensure();
  return dir;
}

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}` as Digest;

function entry(extra: Partial<QuarantineEntry> = {}): QuarantineEntry {
  return {
    name: 'example.com/web:latest',
    digest: digest(1),
    unit: 'web.service',
    cause: 'readiness',
    reason: 'not ready within 5 s',
    time: '2024-05-01T00:00:00.000Z',
    ...extra,
  };
}

describe('update records', () => {
  test('the data directory names its three files', () => {
    const dir = new UpdateDir('/var/lib/x');
    assert.deepEqual([dir.lock, dir.intent, dir.quarantine], ['/var/lib/x/lock', '/var/lib/x/intent.json', '/var/lib/x/quarantine.json']);
    const made = newDir();
    assert.ok(existsSync(made.dir));
    assert.doesNotThrow(() => made.ensure(), 'ensure is idempotent');
  });
});

describe('quarantine', () => {
  test('no file: empty, and nothing is written by loading', () => {
    const dir = newDir();
    const q = Quarantine.load(dir.quarantine);
    assert.deepEqual(q.list(), []);
    assert.equal(q.find('example.com/web:latest', digest(1)), undefined);
    assert.equal(existsSync(dir.quarantine), false);
  });

  test('an entry added is found after a reload, by reference and digest only', () => {
    const dir = newDir();
    const added = entry();
    Quarantine.load(dir.quarantine).add(added);
    const q = Quarantine.load(dir.quarantine);
    assert.deepEqual(q.find('example.com/web:latest', digest(1)), added);
    assert.equal(q.find('example.com/web:latest', digest(2)), undefined, 'another digest of the reference is tried');
    assert.equal(q.find('example.com/other:latest', digest(1)), undefined, 'the same digest under another reference is tried');
    assert.deepEqual(readdirSync(dir.dir), ['quarantine.json'], 'no temporary file is left');
  });

  test('adding the same reference and digest again replaces the entry', () => {
    const dir = newDir();
    const q = Quarantine.load(dir.quarantine);
    q.add(entry());
    q.add(entry({ digest: digest(2) }));
    q.add(entry({ unit: 'web2.service', cause: 'soak', reason: 'the unit was restarted' }));
    const reloaded = Quarantine.load(dir.quarantine).list();
    assert.deepEqual(
      reloaded.map((e) => [e.digest, e.unit, e.cause]),
      [
        [digest(2), 'web.service', 'readiness'],
        [digest(1), 'web2.service', 'soak'],
      ],
    );
  });

  test('a corrupt file is ERR_UPDATE naming it', () => {
    const dir = newDir();
    writeFileSync(dir.quarantine, '{"entries": [');
    assert.throws(
      () => Quarantine.load(dir.quarantine),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_UPDATE');
        assert.ok(err.message.startsWith(`auto-update: ${dir.quarantine} is corrupt: `), err.message);
        return true;
      },
    );
    for (const text of [
      '{}',
      '{"entries": {}}',
      '{"entries": [{"name": "x", "digest": "sha256:nope", "unit": "u"}]}',
      '{"entries": [null]}',
    ]) {
      writeFileSync(dir.quarantine, text);
      assert.throws(() => Quarantine.load(dir.quarantine), {
        code: 'ERR_UPDATE',
        message: `auto-update: ${dir.quarantine} is corrupt: expected {"entries": [{name, digest, unit, ...}]}`,
      });
    }
  });

  test('a file that cannot be written is ERR_UPDATE naming it', () => {
    const file = path.join(scratch, 'no-such-dir', 'quarantine.json');
    assert.throws(() => Quarantine.load(file).add(entry()), {
      code: 'ERR_UPDATE',
      message: new RegExp(`^auto-update: cannot write ${file.replace(/[.]/g, '\\.')}: `),
    });
  });
});

describe('intent record', () => {
  const intent: Intent = {
    kind: 'update',
    unit: 'web.service',
    container: 'web',
    root: '/var/lib/ctrmon/images',
    name: 'example.com/web:latest',
    from: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(1), size: 500 },
    to: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(2), size: 501 },
    dependents: ['api.service'],
    pid: 1234,
    time: '2024-05-01T00:00:00.000Z',
  };

  test('written, read back as it was; cleared, gone', () => {
    const dir = newDir();
    assert.equal(readIntent(dir.intent), undefined);
    writeIntent(dir.intent, intent);
    assert.deepEqual(readIntent(dir.intent), intent);
    writeIntent(dir.intent, { ...intent, kind: 'rollback', dependents: [] });
    assert.deepEqual(readIntent(dir.intent), { ...intent, kind: 'rollback', dependents: [] }, 'a second write replaces the first');
    assert.deepEqual(readdirSync(dir.dir), ['intent.json']);
    clearIntent(dir.intent);
    assert.equal(existsSync(dir.intent), false);
    assert.equal(readIntent(dir.intent), undefined);
    assert.doesNotThrow(() => clearIntent(dir.intent), 'clearing twice is fine');
  });

  test('a file that is not JSON, or not an intent, is ERR_UPDATE naming it', () => {
    const dir = newDir();
    writeFileSync(dir.intent, 'not json');
    assert.throws(() => readIntent(dir.intent), { code: 'ERR_UPDATE', message: new RegExp(`^auto-update: ${dir.intent} is corrupt: `) });
    const invalid: unknown[] = [
      {},
      [],
      { ...intent, kind: 'upgrade' },
      { ...intent, unit: 7 },
      { ...intent, to: { ...intent.to, digest: 'sha256:short' } },
      { ...intent, from: undefined },
      { ...intent, dependents: 'api.service' },
    ];
    for (const value of invalid) {
      writeFileSync(dir.intent, JSON.stringify(value));
      assert.throws(() => readIntent(dir.intent), {
        code: 'ERR_UPDATE',
        message: `auto-update: ${dir.intent} is corrupt: not an intent record`,
      });
    }
  });
});

describe('previous images', () => {
  const REF = 'example.com/web:latest';
  let stores = 0;
  const newStore = () => ImageStore.open(path.join(scratch, `store-${++stores}`));
  /** Distinct small images, unnamed. */
  const images = (store: ImageStore, n: number): Promise<TestImage[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => putTestImage(store, [{ [`v${i}`]: `version ${i}\n` }])));

  /** What the engine does at a verified update: keep the old image, then move the reference. */
  async function update(store: ImageStore, from: TestImage, to: TestImage, keep: number): Promise<void> {
    await store.retag(previousChanges(store, REF, from.manifest, keep));
    await store.tag(REF, to.manifest);
    await delay(5); // distinct replaced times, newest first
  }

  test('a previous image is named by digest in the same repository', () => {
    const d = digestOf('x');
    assert.equal(digestName(REF, d), `example.com/web@${d}`);
    assert.equal(digestName('alpine', d), `docker.io/library/alpine@${d}`);
    assert.equal(digestName(`127.0.0.1:5000/web@sha256:${'a'.repeat(64)}`, d), `127.0.0.1:5000/web@${d}`);
    assert.equal(DEFAULT_KEEP, 3);
  });

  test('the newest `keep` previous images per reference are kept, newest first; older ones lose their name', async () => {
    const store = await newStore();
    const [a, b, c, d] = await images(store, 4);
    await store.tag(REF, a.manifest);
    await update(store, a, b, 2);
    await update(store, b, c, 2);
    assert.deepEqual(
      previousImages(store, REF).map((p) => p.digest),
      [b.manifest.digest, a.manifest.digest],
    );
    await update(store, c, d, 2);
    const kept = previousImages(store, REF);
    assert.deepEqual(
      kept.map((p) => p.name),
      [digestName(REF, c.manifest.digest), digestName(REF, b.manifest.digest)],
    );
    assert.deepEqual(kept[0].descriptor, c.manifest, 'the descriptor is plain: no annotations of the name');
    assert.ok(kept[0].replaced > kept[1].replaced, `${kept[0].replaced} after ${kept[1].replaced}`);
    assert.equal(store.resolve(digestName(REF, a.manifest.digest)), undefined, 'the oldest lost its name');
    assert.equal(store.resolve(REF)?.digest, d.manifest.digest);
    const stored = store.resolve(digestName(REF, c.manifest.digest))!;
    assert.equal(stored.annotations?.[PREVIOUS_OF_ANNOTATION], REF);
    assert.match(stored.annotations?.[REPLACED_ANNOTATION] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(previousImages(store, 'example.com/other:latest'), [], 'kept per reference');
  });

  test('the image the reference names is never unnamed, even when it is an old previous image', async () => {
    const store = await newStore();
    const [a, b] = await images(store, 2);
    await store.tag(REF, a.manifest);
    await update(store, a, b, 1);
    // The reference names a again (an old previous image), and b is kept: a is over `keep` but stays.
    await store.tag(REF, a.manifest);
    await store.retag(previousChanges(store, REF, b.manifest, 1));
    assert.deepEqual(
      previousImages(store, REF).map((p) => p.digest),
      [b.manifest.digest, a.manifest.digest],
    );
    assert.equal(store.resolve(digestName(REF, a.manifest.digest))?.digest, a.manifest.digest);
  });

  test('descriptorOf: the stored descriptor of a manifest, named or not', async () => {
    const store = await newStore();
    const [a] = await images(store, 1);
    assert.deepEqual(descriptorOf(store, a.manifest.digest), a.manifest, 'an unnamed manifest, read from its blob');
    await store.retag(previousChanges(store, REF, a.manifest, 3));
    assert.deepEqual(descriptorOf(store, a.manifest.digest), a.manifest, 'without the annotations of its name');
  });

  test('image prune --all leaves previous images alone, and removes another unused named image', async () => {
    const store = await newStore();
    const [a, b, c] = await images(store, 3);
    const other = await putTestImage(store, [{ other: 'other\n' }], 'example.com/other:1');
    await store.tag(REF, a.manifest);
    await update(store, a, b, 3);
    await update(store, b, c, 3);
    const lease = await store.createLease('container-web');
    try {
      await lease.add({ digests: [c.manifest.digest] });
      const removed = await pruneImages(store, true);
      assert.deepEqual(removed, [other.manifest.digest]);
    } finally {
      lease.release();
    }
    assert.deepEqual(
      previousImages(store, REF).map((p) => p.digest),
      [b.manifest.digest, a.manifest.digest],
    );
    for (const kept of [a, b]) {
      assert.ok(store.hasBlob(kept.manifest.digest) && store.hasBlob(kept.config) && store.hasBlob(kept.layers[0]), 'its content stays');
    }
    assert.equal(store.resolve('example.com/other:1'), undefined);
    assert.equal(store.hasBlob(other.config), false, "the removed image's content is collected");
    assert.equal(store.resolve(REF)?.digest, c.manifest.digest, 'the image in use stays');
  });

  test('without --all, prune removes only images without a name', async () => {
    const store = await newStore();
    const [a, b, dangling] = await images(store, 3);
    await store.keep(dangling.manifest);
    await store.tag(REF, a.manifest);
    await update(store, a, b, 3);
    assert.deepEqual(await pruneImages(store, false), [dangling.manifest.digest]);
    assert.equal(store.resolve(digestName(REF, a.manifest.digest))?.digest, a.manifest.digest);
  });
});
