// The image store against the tools that define its formats: skopeo and umoci read and write its
// OCI layout, skopeo makes and reads its archives, and other ctrmon processes share it.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { loadArchive, saveOciArchive } from '../../src/image/archive/archive';
import { digestHex, digestOf } from '../../src/image/digest';
import { ImageStore } from '../../src/image/store/store';
import { putTestImage } from '../helpers/image-fixture';

const run = promisify(execFile);
const missing = ['skopeo', 'umoci', 'tar'].filter((tool) => spawnSync(tool, ['--version']).error !== undefined);
const skip = missing.length > 0 ? `needs ${missing.join(', ')} (not installed)` : false;
const worker = path.resolve(__dirname, '..', 'helpers', 'image-store-worker.js');

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-image-layout-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const fresh = (name: string) => path.join(scratch, `${name}-${++dirs}`);
const REF = '127.0.0.1:5000/web:latest';

async function skopeo(...args: string[]): Promise<string> {
  return (await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

async function inspectDigest(transport: string): Promise<string> {
  return (await skopeo('inspect', '--format', '{{.Digest}}', transport)).trim();
}

describe('image store and the OCI tools', { skip }, () => {
  test('skopeo reads our layout: copy oci:<store>:<ref> elsewhere, same manifest digest', async () => {
    const store = await ImageStore.open(fresh('store'));
    const image = await putTestImage(store, [{ 'etc/hello': 'hello' }, { 'usr/bin/app': 'app' }], REF);
    assert.equal(await inspectDigest(`oci:${store.root}:${REF}`), image.manifest.digest);
    const other = fresh('other');
    await skopeo('copy', `oci:${store.root}:${REF}`, `oci:${other}:copied`);
    assert.equal(await inspectDigest(`oci:${other}:copied`), image.manifest.digest);
  });

  test('we read what skopeo writes into our layout, and keep working on its index.json', async () => {
    const source = await ImageStore.open(fresh('source'));
    const image = await putTestImage(source, [{ a: 'a' }], 'src/img:1');
    const store = await ImageStore.open(fresh('store'));
    await putTestImage(store, [{ b: 'b' }], 'mine/img:1');
    await skopeo('copy', `oci:${source.root}:src/img:1`, `oci:${store.root}:${REF}`);
    const resolved = store.resolve(REF);
    assert.equal(resolved?.digest, image.manifest.digest);
    assert.equal(store.resolve('mine/img:1')?.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    await store.tag('127.0.0.1:5000/web:2', resolved!);
    assert.deepEqual(
      store
        .list()
        .map((i) => i.name)
        .sort(),
      ['127.0.0.1:5000/web:2', REF, 'mine/img:1'],
    );
    assert.ok(store.hasBlob(image.config) && image.layers.every((l) => store.hasBlob(l)));
  });

  test('umoci unpacks an image from our layout by its full reference', async () => {
    const store = await ImageStore.open(fresh('store'));
    await putTestImage(store, [{ 'etc/hello': 'hello' }, { 'etc/world': 'world' }], REF);
    const bundle = fresh('bundle');
    await run('umoci', ['unpack', '--image', `${store.root}:${REF}`, bundle]);
    assert.equal(readFileSync(path.join(bundle, 'rootfs', 'etc', 'hello'), 'utf8'), 'hello');
    assert.equal(readFileSync(path.join(bundle, 'rootfs', 'etc', 'world'), 'utf8'), 'world');
    assert.deepEqual(JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8')).process.args, ['/bin/sh']);
  });

  test('save writes an oci-archive skopeo inspects and copies with the same digests', async () => {
    const store = await ImageStore.open(fresh('store'));
    const image = await putTestImage(store, [{ x: 'x' }, { y: 'y' }], REF);
    const file = fresh('saved.tar');
    await saveOciArchive(store, REF, file);
    assert.equal(await inspectDigest(`oci-archive:${file}`), image.manifest.digest);
    const config = JSON.parse(await skopeo('inspect', '--config', `oci-archive:${file}`));
    assert.deepEqual(config.rootfs.diff_ids, image.diffIds);
    await assert.rejects(saveOciArchive(store, 'not/there:1', fresh('none.tar')), { code: 'ERR_IMAGE_NOT_FOUND' });
    // A blob damaged on disk does not leave the machine, and no partial archive stays behind.
    const blob = store.blobPath(image.layers[1]);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(blob, bytes);
    const damaged = fresh('damaged.tar');
    await assert.rejects(saveOciArchive(store, REF, damaged), {
      code: 'ERR_DIGEST_MISMATCH',
      message: new RegExp(`${blob} does not match its digest ${image.layers[1]}`),
    });
    assert.deepEqual(
      readdirSync(scratch).filter((f) => f.startsWith(path.basename(damaged))),
      [],
    );
  });

  test('load of skopeo oci-archive and docker-archive files makes the image resolvable, digests kept where the format keeps them', async () => {
    const source = await ImageStore.open(fresh('source'));
    const image = await putTestImage(source, [{ 'etc/base': 'base' }, { 'etc/top': 'top' }], REF);
    const ociFile = fresh('oci.tar');
    await skopeo('copy', `oci:${source.root}:${REF}`, `oci-archive:${ociFile}:127.0.0.1:5000/web:oci`);
    const dockerFile = fresh('docker.tar');
    await skopeo('copy', `oci:${source.root}:${REF}`, `docker-archive:${dockerFile}:127.0.0.1:5000/web:docker`);

    const store = await ImageStore.open(fresh('store'));
    const fromOci = await loadArchive(store, ociFile);
    assert.deepEqual(fromOci[0].names, ['127.0.0.1:5000/web:oci']);
    assert.equal(store.resolve('127.0.0.1:5000/web:oci')?.digest, image.manifest.digest, 'an oci-archive keeps the manifest');

    const fromDocker = await loadArchive(store, dockerFile);
    assert.deepEqual(fromDocker[0].names, ['127.0.0.1:5000/web:docker']);
    const loaded = store.resolve('127.0.0.1:5000/web:docker')!;
    const manifest = store.readJsonBlob(loaded.digest) as { config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    assert.equal(manifest.config.digest, image.config, 'a docker-archive keeps the config, so the image ID');
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      image.diffIds,
      'its layers are stored uncompressed, verified by their diff_ids',
    );
    // What we loaded is a complete image to the other tools too.
    const bundle = fresh('bundle');
    await run('umoci', ['unpack', '--image', `${store.root}:127.0.0.1:5000/web:docker`, bundle]);
    assert.equal(readFileSync(path.join(bundle, 'rootfs', 'etc', 'top'), 'utf8'), 'top');
  });

  test('a damaged archive is refused naming the blob, and nothing is named', async () => {
    const source = await ImageStore.open(fresh('source'));
    const image = await putTestImage(source, [{ f: 'original content' }], REF);
    const file = fresh('damaged.tar');
    await saveOciArchive(source, REF, file);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(readFileSync(source.blobPath(image.config)));
    bytes[at + 5] ^= 0x01;
    writeFileSync(file, bytes);
    const store = await ImageStore.open(fresh('store'));
    await assert.rejects(loadArchive(store, file), { code: 'ERR_DIGEST_MISMATCH', message: new RegExp(`blob ${image.config}`) });
    assert.deepEqual(store.list(), []);
    assert.equal(store.hasBlob(image.config), false);
  });
});

function startWorker(args: string[]): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const output = new Promise<string>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`worker ${code ?? signal}: ${err}`))));
  });
  return { child, output };
}

describe('image store shared by processes', () => {
  test('two processes tagging at the same time never lose a name', async () => {
    const store = await ImageStore.open(fresh('store'));
    const image = await putTestImage(store, [{ f: 'shared' }]);
    const json = JSON.stringify(image.manifest);
    const a = startWorker(['tag', store.root, 'reg/a', '25', json]);
    const b = startWorker(['tag', store.root, 'reg/b', '25', json]);
    await Promise.all([a.output, b.output]);
    const names = new Set(store.list().map((i) => i.name));
    for (const prefix of ['reg/a', 'reg/b']) {
      for (let i = 0; i < 25; i++) assert.ok(names.has(`${prefix}-${i}`), `${prefix}-${i} is in index.json`);
    }
    assert.equal(names.size, 50);
  });

  test('a writer killed with SIGKILL mid-blob leaves a resumable ingest: the next writer continues from its bytes', async () => {
    const store = await ImageStore.open(fresh('store'));
    const data = Buffer.alloc(256 * 1024);
    const digest = digestOf(data);
    const w = startWorker(['ingest', store.root, digest, String(data.length), String(100_000)]);
    await new Promise<void>((resolve) => w.child.stdout!.once('data', () => resolve()));
    w.child.kill('SIGKILL');
    await assert.rejects(w.output);
    const ingest = (await store.openIngest(digest, data.length))!;
    assert.equal(ingest.offset, 100_000, 'the lock died with the writer; its bytes are there to resume from');
    await ingest.write(data.subarray(100_000));
    await ingest.commit();
    assert.ok(store.hasBlob(digest));
    assert.ok(!existsSync(path.join(store.paths.ingest, digestHex(digest))));
    assert.deepEqual(await store.recover(), { tempFiles: 0, ingests: 0, staging: 0 });
  });
});
