// The registry client against a real registry (docker-registry on loopback) with images pushed by
// skopeo: digests as skopeo sees them, index resolution, Basic and Bearer auth, verification of
// tampered blobs, resumption of a cut download, and redirects that must not carry Authorization.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { CtrmonError } from '../../src/errors';
import { startBlobProxy } from '../lab/registry/blob-proxy';
import { type BuiltLayout, buildImageLayout, pushLayout, skopeoDigest } from '../lab/registry/test-images';
import { registrySkipReason, startTestRegistry, type TestRegistry } from '../lab/registry/test-registry';
import { startTokenServer, type TokenServer } from '../lab/registry/token-server';
import { parseReference } from '../../src/image/reference';
import { RegistryClient } from '../../src/image/registry/client';

const skip = registrySkipReason();
const FAST_RETRY = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 };
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const USER = 'ctrmon';
const PASSWORD = 'registry-secret';

let work: string;
function layout(name: string, specs: Parameters<typeof buildImageLayout>[2]): BuiltLayout {
  return buildImageLayout(path.join(work, name), 'v1', specs);
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function writeAuthFile(registry: string, password: string): string {
  const file = path.join(work, `auth-${registry.replace(/[^0-9]/g, '')}-${password}.json`);
  writeFileSync(file, JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${USER}:${password}`).toString('base64') } } }));
  return file;
}

describe('registry client', { skip }, () => {
  let plain: TestRegistry;
  let single: BuiltLayout;
  let multi: BuiltLayout;
  let big: BuiltLayout;

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-registry-test-'));
    plain = await startTestRegistry();
    single = layout('single', [{ platform: AMD64, files: { 'etc/hello': 'hello\n' } }]);
    multi = layout('multi', [
      { platform: AMD64, files: { arch: 'amd64\n' } },
      { platform: ARM64, files: { arch: 'arm64\n' } },
    ]);
    // Stored uncompressed, so the layer is 3 MiB on the wire: room to cut it in the middle.
    big = layout('big', [
      {
        platform: AMD64,
        files: {
          'data.bin': Buffer.from(
            createHash('sha512')
              .update('seed')
              .digest()
              .toString('hex')
              .repeat(24 * 1024),
          ),
        },
        uncompressed: true,
      },
    ]);
    await pushLayout(single, `${plain.host}/single:v1`);
    await pushLayout(multi, `${plain.host}/multi:v1`);
    await pushLayout(big, `${plain.host}/big:v1`);
  });

  after(async () => {
    await plain?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('HEAD and GET give the digest skopeo inspect gives, and the manifest verifies', async () => {
    const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, platform: AMD64 });
    const ref = parseReference(`${plain.host}/single:v1`);
    const expected = await skopeoDigest(`${plain.host}/single:v1`);
    assert.equal(await client.headManifestDigest(ref), expected);
    const manifest = await client.getManifest(ref);
    assert.equal(manifest.digest, expected);
    assert.equal(manifest.parsed.kind, 'manifest');
    const config = await client.readBlob(ref, (manifest.parsed as { config: { digest: string; size: number } }).config);
    assert.deepEqual(JSON.parse(config.toString()).rootfs.diff_ids, [single.images[0].layer.diffId]);
    await assert.rejects(client.headManifestDigest(parseReference(`${plain.host}/single:nope`)), (err: CtrmonError) => {
      assert.equal(err.code, 'ERR_IMAGE_NOT_FOUND');
      assert.match(err.message, /single:nope/);
      return true;
    });
  });

  test('an index resolves to the instance of the platform, and a missing platform lists the available ones', async () => {
    const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY });
    const ref = parseReference(`${plain.host}/multi:v1`);
    assert.equal(await client.headManifestDigest(ref), await skopeoDigest(`${plain.host}/multi:v1`));
    const arm = await client.resolveImage(ref, ARM64);
    assert.equal(arm.indexDigest, multi.digest);
    assert.equal(arm.manifestDigest, multi.images[1].manifestDigest);
    const amd = await client.resolveImage(ref, AMD64);
    assert.equal(amd.manifestDigest, multi.images[0].manifestDigest);
    const layer = await collect(client.openBlob(ref, amd.manifest.layers[0]));
    assert.equal(`sha256:${createHash('sha256').update(layer).digest('hex')}`, multi.images[0].layer.digest);
    await assert.rejects(client.resolveImage(ref, { os: 'linux', architecture: 'arm', variant: 'v7' }), (err: CtrmonError) => {
      assert.equal(err.code, 'ERR_PLATFORM');
      assert.match(err.message, /linux\/arm\/v7/);
      assert.match(err.message, /available: linux\/amd64, linux\/arm64\/v8/);
      return true;
    });
  });

  test('a tampered blob fails with ERR_DIGEST_MISMATCH naming its digest', async () => {
    const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, platform: AMD64 });
    const ref = parseReference(`${plain.host}/big:v1`);
    const { manifest } = await client.resolveImage(ref);
    const descriptor = manifest.layers[0];
    const file = plain.blobPath(descriptor.digest);
    const original = readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1] ^= 0xff;
    writeFileSync(file, tampered);
    try {
      await assert.rejects(collect(client.openBlob(ref, descriptor)), (err: CtrmonError) => {
        assert.equal(err.code, 'ERR_DIGEST_MISMATCH');
        assert.equal(err.subject.digest, descriptor.digest);
        assert.match(err.message, new RegExp(descriptor.digest));
        return true;
      });
      writeFileSync(file, Buffer.concat([original, Buffer.from('x')]));
      await assert.rejects(collect(client.openBlob(ref, descriptor)), /ERR_DIGEST_MISMATCH|more than its size/);
    } finally {
      writeFileSync(file, original);
    }
    assert.equal((await collect(client.openBlob(ref, descriptor))).length, descriptor.size);
  });

  test('a download cut in the middle resumes with a Range request and verifies', async () => {
    const proxy = await startBlobProxy(plain, { cutAfter: 1024 * 1024 });
    try {
      const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, platform: AMD64 });
      const ref = parseReference(`${proxy.host}/big:v1`);
      const { manifest } = await client.resolveImage(ref);
      const stream = client.openBlob(ref, manifest.layers[0]);
      const data = await collect(stream);
      assert.equal(proxy.cuts, 1);
      assert.equal(stream.resumes, 1);
      assert.equal(data.length, manifest.layers[0].size);
      const ranges = proxy.requests.filter((r) => r.path.includes('/blobs/') && r.headers.range !== undefined).map((r) => r.headers.range);
      assert.deepEqual(ranges, ['bytes=1048576-']);
    } finally {
      await proxy.stop();
    }
  });

  describe('with Basic auth', () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startTestRegistry({ kind: 'basic', username: USER, password: PASSWORD });
      await pushLayout(single, `${registry.host}/single:v1`, `${USER}:${PASSWORD}`);
    });
    after(() => registry?.stop());

    test('credentials from the auth file pull; a wrong password or none is ERR_REGISTRY_AUTH', async () => {
      const ref = parseReference(`${registry.host}/single:v1`);
      const good = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, authFile: writeAuthFile(registry.host, PASSWORD) });
      assert.equal(await good.headManifestDigest(ref), single.digest);
      const { manifest } = await good.resolveImage(ref, AMD64);
      assert.equal((await collect(good.openBlob(ref, manifest.layers[0]))).length, manifest.layers[0].size);
      for (const authFile of [writeAuthFile(registry.host, 'wrong'), path.join(work, 'no-such-auth.json')]) {
        const bad = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, authFile });
        await assert.rejects(
          bad.headManifestDigest(ref),
          (err: CtrmonError) => err.code === 'ERR_REGISTRY_AUTH' && err.message.includes(registry.host),
        );
      }
    });

    test('a blob redirected to another host gets no Authorization header', async () => {
      const proxy = await startBlobProxy(registry, { redirect: true });
      try {
        const ref = parseReference(`${proxy.host}/single:v1`);
        const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, authFile: writeAuthFile(proxy.host, PASSWORD) });
        const { manifest } = await client.resolveImage(ref, AMD64);
        assert.equal((await collect(client.openBlob(ref, manifest.layers[0]))).length, manifest.layers[0].size);
        const toRegistry = proxy.requests.find((r) => r.server === 'proxy' && r.path.includes('/blobs/'));
        const toCdn = proxy.requests.find((r) => r.server === 'cdn');
        assert.match(String(toRegistry?.headers.authorization), /^Basic /);
        assert.ok(toCdn, 'the redirect was followed');
        assert.equal(toCdn.headers.authorization, undefined);
      } finally {
        await proxy.stop();
      }
    });
  });

  describe('with token auth', () => {
    let tokens: TokenServer;
    let registry: TestRegistry;
    before(async () => {
      tokens = await startTokenServer(USER, PASSWORD);
      registry = await startTestRegistry(tokens.registryAuth);
      await pushLayout(multi, `${registry.host}/multi:v1`, `${USER}:${PASSWORD}`);
    });
    after(async () => {
      await registry?.stop();
      await tokens?.stop();
    });

    test('a Bearer token for the pull scope is fetched once and reused; bad credentials are ERR_REGISTRY_AUTH', async () => {
      const ref = parseReference(`${registry.host}/multi:v1`);
      const client = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, authFile: writeAuthFile(registry.host, PASSWORD) });
      tokens.requests.length = 0;
      assert.equal(await client.headManifestDigest(ref), multi.digest);
      const { manifest } = await client.resolveImage(ref, ARM64);
      assert.equal((await collect(client.openBlob(ref, manifest.layers[0]))).length, manifest.layers[0].size);
      assert.equal(await client.tokenRequests(registry.host), 1);
      assert.deepEqual(
        tokens.requests.map((r) => [r.scope, r.service, r.account, r.authorized]),
        [[['repository:multi:pull'], 'ctrmon-test-registry', USER, true]],
      );
      const bad = new RegistryClient({ tlsVerify: false, retry: FAST_RETRY, authFile: writeAuthFile(registry.host, 'wrong') });
      await assert.rejects(bad.getManifest(ref), (err: CtrmonError) => {
        assert.equal(err.code, 'ERR_REGISTRY_AUTH');
        assert.match(err.message, /refused the credentials of "ctrmon"/);
        return true;
      });
    });
  });
});
