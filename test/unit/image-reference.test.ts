// References, platforms, auth files and registries.conf: the pure parts of pulling an image.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import type { CtrmonError } from '../../src/errors';
import { authFileLocations, lookupCredentials } from '../../src/image/registry/auth-file';
import { formatPlatform, hostPlatform, parsePlatform, selectPlatformManifest } from '../../src/image/platform';
import { formatReference, isFullyQualified, parseReference } from '../../src/image/reference';
import { findRegistryEntry, loadRegistriesConf, parseToml, rewriteName } from '../../src/image/registry/registries-conf';
import { parseChallenges } from '../../src/image/registry/auth';
import { parseManifest } from '../../src/image/manifest';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ctrmon-image-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  test('normalise as podman does', () => {
    const cases: [string, string][] = [
      ['alpine', 'docker.io/library/alpine:latest'],
      ['alpine:3.20', 'docker.io/library/alpine:3.20'],
      ['user/app', 'docker.io/user/app:latest'],
      ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
      ['127.0.0.1:5000/web', '127.0.0.1:5000/web:latest'],
      ['localhost/web:1', 'localhost/web:1'],
      ['Registry.Example/ns/app:V1', 'Registry.Example/ns/app:V1'],
      ['[::1]:5000/web:2', '[::1]:5000/web:2'],
      [`quay.io/a/b@${D}`, `quay.io/a/b@${D}`],
      [`quay.io/a/b:1@${D}`, `quay.io/a/b:1@${D}`],
      ['my.reg/a__b/c-d/e.f', 'my.reg/a__b/c-d/e.f:latest'],
    ];
    for (const [text, canonical] of cases) assert.equal(formatReference(parseReference(text)), canonical, text);
    assert.deepEqual(parseReference('127.0.0.1:5000/web'), { registry: '127.0.0.1:5000', repository: 'web', tag: 'latest' });
    assert.deepEqual(parseReference(`web@${D}`), { registry: 'docker.io', repository: 'library/web', digest: D });
  });

  test('refuse what podman refuses, naming the text', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['Alpine', /must be lowercase/],
      ['docker.io/Library/alpine', /must be lowercase/],
      ['alpine:-x', /not a valid tag/],
      [`alpine:${'t'.repeat(129)}`, /not a valid tag/],
      ['alpine@sha256:abc', /only sha256 digests/],
      [`alpine@sha512:${'a'.repeat(128)}`, /only sha256 digests/],
      ['alpine@notadigest', /is not a digest/],
      ['reg.io/a//b', /path component/],
      ['reg.io/-a', /path component/],
      ['reg.io:0/a', /registry/],
      ['a b', /white space/],
      [`reg.io/${'a'.repeat(260)}`, /longer than 255/],
    ];
    for (const [text, why] of bad) {
      assert.throws(
        () => parseReference(text),
        (err: CtrmonError) => err.code === 'ERR_IMAGE_REFERENCE' && err.message.includes(`"${text}"`) && why.test(err.message),
        text,
      );
    }
  });

  test('fully qualified means an explicit registry and the canonical name', () => {
    for (const yes of ['docker.io/library/alpine:3', '127.0.0.1:5000/web', `quay.io/a/b@${D}`, 'localhost/x:1'])
      assert.ok(isFullyQualified(yes), yes);
    for (const no of ['alpine', 'docker.io/alpine', 'library/alpine', 'user/app:1', 'Bad Ref']) assert.ok(!isFullyQualified(no), no);
  });
});

describe('platforms', () => {
  test('this machine and --platform, in OCI names', () => {
    assert.deepEqual(hostPlatform('x64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(hostPlatform('arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(hostPlatform('arm', '6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
    assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.equal(formatPlatform(parsePlatform('linux/x86_64')), 'linux/amd64');
    for (const bad of ['linux', 'linux/', 'Linux/amd64', 'a/b/c/d'])
      assert.throws(() => parsePlatform(bad), /ERR_PLATFORM|invalid platform/);
  });

  const entry = (digest: string, architecture?: string, variant?: string, os = 'linux') => ({
    digest,
    ...(architecture ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
  });
  const pick = (entries: ReturnType<typeof entry>[], wanted: string) =>
    selectPlatformManifest(entries, parsePlatform(wanted), 'idx').digest;

  test('index selection follows containers/image: best variant, no cross-architecture fallback', () => {
    const index = [entry('amd64', 'amd64'), entry('armv6', 'arm', 'v6'), entry('armv7', 'arm', 'v7'), entry('arm64', 'arm64', 'v8')];
    assert.equal(pick(index, 'linux/amd64'), 'amd64');
    assert.equal(pick(index, 'linux/arm/v7'), 'armv7');
    assert.equal(pick(index, 'linux/arm/v8'), 'armv7');
    assert.equal(pick(index, 'linux/arm/v6'), 'armv6');
    assert.equal(pick(index, 'linux/arm64/v8'), 'arm64');
    assert.equal(pick([entry('plain', 'arm64'), entry('v8', 'arm64', 'v8')], 'linux/arm64'), 'plain');
    assert.equal(pick([entry('att', 'unknown', undefined, 'unknown'), entry('any')], 'linux/amd64'), 'any');
    assert.throws(
      () => pick([entry('armv7', 'arm', 'v7'), entry('amd64', 'amd64'), entry('att', 'unknown', undefined, 'unknown')], 'linux/arm64/v8'),
      (err: CtrmonError) =>
        err.code === 'ERR_PLATFORM' && err.message === 'no image for platform linux/arm64/v8 in idx; available: linux/arm/v7, linux/amd64',
    );
    assert.throws(() => pick([entry('armv7', 'arm', 'v7')], 'linux/arm/v6'), /ERR_PLATFORM|no image for platform linux\/arm\/v6/);
  });
});

describe('auth files', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const write = (name: string, content: object) => {
    const file = path.join(tmp, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  test('the search order of containers/image, and an explicit file alone', () => {
    const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/7' };
    assert.deepEqual(
      authFileLocations({ env, uid: 7 }).map((l) => l.path),
      ['/run/user/7/containers/auth.json', '/home/u/.config/containers/auth.json', '/home/u/.docker/config.json', '/home/u/.dockercfg'],
    );
    assert.equal(authFileLocations({ env: { HOME: '/root' }, uid: 0 })[0].path, '/run/containers/0/auth.json');
    assert.deepEqual(authFileLocations({ env: { ...env, REGISTRY_AUTH_FILE: '/x.json' } }), [{ path: '/x.json', legacy: false }]);
    assert.deepEqual(authFileLocations({ env, authFile: '/y.json' }), [{ path: '/y.json', legacy: false }]);
  });

  test('most specific key first, first file with an entry wins, Docker Hub names are one', () => {
    const home = path.join(tmp, 'home');
    const env = { HOME: home, XDG_RUNTIME_DIR: path.join(tmp, 'run') };
    write('run/containers/auth.json', {
      auths: {
        'reg.io': { auth: b64('host:pw1') },
        'reg.io/team': { auth: b64('team:pw2') },
        'reg.io/team/app': { auth: b64('app:p:w3') },
      },
    });
    write('home/.docker/config.json', {
      auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw4') }, 'other.io': { auth: b64('o:pw5') } },
    });
    write('home/.dockercfg', { 'legacy.io': { auth: b64('l:pw6') } });
    const look = (registry: string, repository: string) => lookupCredentials(registry, repository, { env });
    assert.deepEqual(look('reg.io', 'team/app'), { username: 'app', password: 'p:w3' });
    assert.deepEqual(look('reg.io', 'team/other'), { username: 'team', password: 'pw2' });
    assert.deepEqual(look('reg.io', 'solo'), { username: 'host', password: 'pw1' });
    assert.deepEqual(look('docker.io', 'library/alpine'), { username: 'hub', password: 'pw4' });
    assert.deepEqual(look('other.io', 'x'), { username: 'o', password: 'pw5' });
    assert.deepEqual(look('legacy.io', 'x'), { username: 'l', password: 'pw6' });
    assert.equal(look('none.io', 'x'), undefined);
    const explicit = write('explicit.json', { auths: { 'other.io': { identitytoken: 'tok', auth: b64('u:') } } });
    assert.deepEqual(lookupCredentials('other.io', 'x', { env, authFile: explicit }), { username: 'u', identityToken: 'tok' });
    assert.equal(lookupCredentials('reg.io', 'x', { env, authFile: explicit }), undefined);
    const broken = path.join(tmp, 'broken.json');
    writeFileSync(broken, '{');
    assert.throws(
      () => lookupCredentials('reg.io', 'x', { authFile: broken }),
      (err: CtrmonError) => err.code === 'ERR_REGISTRY_AUTH' && err.message.includes(broken),
    );
  });
});

describe('registries.conf', () => {
  test('the TOML subset: arrays of tables, inline tables, multi-line arrays, strings and comments', () => {
    const parsed = parseToml(
      `unqualified-search-registries = ["docker.io", 'quay.io'] # two
[aliases]
"web" = "reg.io/web"
[[registry]]
prefix = "reg.io/\\u0061pp"
insecure = true
mirror = [
  { location = "m1.io/x", pull-from-mirror = "digest-only" },
  { location = "m2.io", insecure = true },
]
[[registry.mirror]]
location = "m3.io"
`,
      'test.conf',
    );
    assert.deepEqual(parsed, {
      'unqualified-search-registries': ['docker.io', 'quay.io'],
      aliases: { web: 'reg.io/web' },
      registry: [
        {
          prefix: 'reg.io/app',
          insecure: true,
          mirror: [
            { location: 'm1.io/x', 'pull-from-mirror': 'digest-only' },
            { location: 'm2.io', insecure: true },
            { location: 'm3.io' },
          ],
        },
      ],
    });
    for (const [text, why] of [
      ['a = """x"""', /multi-line strings/],
      ['a.b = 1', /dotted keys/],
      ['a = 1.5', /unsupported value/],
      ['a = "x', /unterminated string/],
      ['a = 1\na = 2', /duplicate key/],
    ] as const) {
      assert.throws(
        () => parseToml(text, 'f.conf'),
        (err: CtrmonError) => err.code === 'ERR_REGISTRY' && /^f\.conf:\d+: /.test(err.message) && why.test(err.message),
        text,
      );
    }
  });

  test('explicit file, longest prefix, wildcards and rewrites', () => {
    const main = path.join(tmp, 'registries.conf');
    writeFileSync(
      main,
      `[[registry]]
location = "reg.io"
insecure = true
[[registry]]
prefix = "reg.io/team"
location = "mirror.lan/reg-team"
mirror = [{ location = "cache.lan/team", insecure = true, pull-from-mirror = "tag-only" }]
[[registry]]
prefix = "*.corp.example"
blocked = true
`,
    );
    const conf = loadRegistriesConf({ path: main });
    assert.deepEqual(conf.files, [main]);
    const team = findRegistryEntry(conf, 'reg.io/team/app')!;
    assert.equal(team.prefix, 'reg.io/team');
    assert.equal(rewriteName(team, team.location, 'reg.io/team/app'), 'mirror.lan/reg-team/app');
    assert.deepEqual(team.mirrors, [{ location: 'cache.lan/team', insecure: true, pullFromMirror: 'tag-only' }]);
    assert.equal(findRegistryEntry(conf, 'reg.io/teamx/app')!.prefix, 'reg.io');
    assert.equal(findRegistryEntry(conf, 'reg.io/solo')!.insecure, true);
    assert.equal(findRegistryEntry(conf, 'a.corp.example:5000/x')!.blocked, true);
    assert.equal(findRegistryEntry(conf, 'reg.iox/a'), undefined);
    assert.deepEqual(loadRegistriesConf({ path: path.join(tmp, 'missing.conf') }).registries, []);
    assert.equal(loadRegistriesConf({ env: { CONTAINERS_REGISTRIES_CONF: main } }).registries.length, 3);
  });
});

describe('registry protocol details', () => {
  test('WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.io/token",service="reg.io",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.io/token', service: 'reg.io', scope: 'repository:a/b:pull,push' } },
    ]);
    assert.deepEqual(parseChallenges('Basic realm="x y", Bearer realm=https://t, error="insufficient_scope"'), [
      { scheme: 'basic', params: { realm: 'x y' } },
      { scheme: 'bearer', params: { realm: 'https://t', error: 'insufficient_scope' } },
    ]);
  });

  test('manifests: known types, sha256 digests and matching Content-Type only', () => {
    const desc = (mediaType: string, digest = D) => ({ mediaType, digest, size: 1 });
    const manifest = (layerType: string, digest = D) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: desc('application/vnd.oci.image.config.v1+json'),
          layers: [desc(layerType, digest)],
        }),
      );
    const ok = parseManifest(
      manifest('application/vnd.oci.image.layer.v1.tar+zstd'),
      'application/vnd.oci.image.manifest.v1+json; x=y',
      'm',
    );
    assert.equal(ok.kind, 'manifest');
    const refused = (body: Buffer, type: string | null, why: RegExp) =>
      assert.throws(
        () => parseManifest(body, type, 'm'),
        (err: CtrmonError) => err.code === 'ERR_MANIFEST' && why.test(err.message),
      );
    refused(manifest('application/x-unknown'), null, /unknown media type application\/x-unknown/);
    refused(manifest('application/vnd.oci.image.layer.v1.tar', `sha512:${'a'.repeat(128)}`), null, /only sha256/);
    refused(manifest('application/vnd.oci.image.layer.v1.tar'), 'application/vnd.oci.image.index.v1+json', /differs from the Content-Type/);
    refused(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), 'application/vnd.docker.distribution.manifest.v1+prettyjws', /schema 1/);
    refused(Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.example+json"}'), null, /unknown media type/);
    refused(Buffer.from('not json'), null, /not JSON/);
  });
});
