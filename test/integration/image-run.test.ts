// Containers from images, end to end: a two-layer image (the busybox demo rootfs, then a layer with
// a whiteout, an opaque directory and a new file) pushed by skopeo to a real registry on loopback,
// pulled by `ctrmon pull`, and run by `ctrmon monitor --image` with real runc: the overlay shows
// what the layers say, READY is relayed, the exit code passes, the state file records the image,
// and nothing stays mounted. A start with --pull=missing pulls through a `ctrmon pull` child.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { registrySkipReason, startTestRegistry, type TestRegistry } from '../lab/registry/test-registry';
import { ImageStore } from '../../src/image/store/store';
import { buildLayout, type LayoutImage, pushLayout } from '../lab/registry/layout-builder';
import { integrationSuite } from '../helpers/integration-suite';
import { CTRMON, testBundle } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const skip = registrySkipReason() || (spawnSync('skopeo', ['--version']).status === 0 ? false : 'skopeo is not installed');
const suite = integrationSuite('img', 'runc');
const SCRIPT = 'ls /data | tr "\\n" " "; echo; ls /opaque | tr "\\n" " "; echo; sdnotify -q READY=1; exit 3';

function mountedBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m?.startsWith(dir));
}

describe('containers from images', { skip }, () => {
  let registry: TestRegistry;
  let image: LayoutImage;
  let ref: string;
  let conf: string;
  const work = mkdtempSync(path.join(tmpdir(), 'ctrmon-image-run-'));
  const store = path.join(work, 'store');

  before(async () => {
    registry = await startTestRegistry();
    const base = path.join(work, 'base');
    cpSync(path.join(testBundle(), 'rootfs'), base, { recursive: true, verbatimSymlinks: true });
    for (const f of ['data/keep', 'data/gone', 'opaque/old']) {
      mkdirSync(path.dirname(path.join(base, f)), { recursive: true });
      writeFileSync(path.join(base, f), f);
    }
    const top = path.join(work, 'top');
    mkdirSync(path.join(top, 'data'), { recursive: true });
    mkdirSync(path.join(top, 'opaque'), { recursive: true });
    writeFileSync(path.join(top, 'data', '.wh.gone'), '');
    writeFileSync(path.join(top, 'data', 'added'), 'added');
    writeFileSync(path.join(top, 'opaque', '.wh..wh..opq'), '');
    writeFileSync(path.join(top, 'opaque', 'new'), 'new');
    image = buildLayout(path.join(work, 'layout'), 'app', [base, top], { Cmd: ['/bin/sh', '-c', SCRIPT], Env: ['FROM_IMAGE=1'] });
    ref = `${registry.host}/ctrmon-test/app:1`;
    pushLayout(image, ref);
    conf = path.join(work, 'registries.conf');
    writeFileSync(conf, `[[registry]]\nlocation = "${registry.host}"\ninsecure = true\n`);
  });
  after(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('ctrmon pull stores the image under its name and prints its image ID', async () => {
    const r = spawnSync(process.execPath, [CTRMON, 'pull', '--root', store, '--tls-verify=false', ref], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${image.configDigest}\n`);
    assert.match(r.stderr, new RegExp(`^pulled ${ref.replace(/[.]/g, '\\.')}: 2 layers, `));
    const s = await ImageStore.open(store);
    assert.equal(s.resolve(ref)?.digest, image.manifestDigest);
    const again = spawnSync(process.execPath, [CTRMON, 'pull', '--root', store, '--tls-verify=false', ref], { encoding: 'utf8' });
    assert.match(again.stderr, /2 layers, 0\.0 KiB downloaded/, 'a second pull downloads nothing');
  });

  test('ctrmon monitor --image: the layers as overlay, READY relayed, the exit code, the image recorded, nothing left mounted', async () => {
    const systemd = await suite.listener();
    const m = suite.monitor({
      options: ['--runtime', 'runc', '--image', ref, '--root', store, '--pull', 'never', '--sdnotify', 'container'],
      notifySocket: systemd.address,
    });
    const { code } = await m.exited;
    assert.equal(code, 3, m.stderr);
    const [data, opaque] = m.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    assert.equal(data, 'added keep', 'the whiteout hides data/gone');
    assert.equal(opaque, 'new', 'the opaque directory hides the lower layer');
    assert.deepEqual(systemd.payloads(), ['READY=1']);
    const source = m.state().source;
    assert.deepEqual(source, {
      kind: 'image',
      reference: ref,
      root: store,
      name: ref,
      manifestDigest: image.manifestDigest,
      indexDigest: null,
      imageId: image.configDigest,
    });
    assert.deepEqual(mountedBelow(path.join(m.stateDir, m.name)), [], 'the rootfs is unmounted');
  });

  test('--pull=missing pulls at start (through a `ctrmon pull` child); --pull=never without the image fails naming it', async () => {
    const fresh = path.join(work, 'fresh-store');
    const never = suite.monitor({ options: ['--runtime', 'runc', '--image', ref, '--root', fresh, '--pull', 'never'] });
    assert.equal((await never.exited).code, 125);
    assert.match(never.stderr, new RegExp(`ctrmon: image ${ref.replace(/[.]/g, '\\.')} is not in the store at ${fresh}`));
    const m = suite.monitor({
      options: ['--runtime', 'runc', '--image', ref, '--root', fresh],
      command: ['/bin/sh', '-c', 'echo "$FROM_IMAGE"'],
      env: { CONTAINERS_REGISTRIES_CONF: conf },
    });
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.equal(m.stdout.trim(), '1', "the command replaces Cmd and the image's Env is there");
    assert.ok(m.logLines().some((l) => l.msg === 'pulled the image'));
  });

  test("podman's image commands: images, inspect, tag, save and load, rmi (never an image in use), prune", async () => {
    const ctrmon = (...args: string[]) => spawnSync(process.execPath, [CTRMON, ...args], { encoding: 'utf8' });
    const listed = ctrmon('images', '--root', store, '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}');
    assert.equal(listed.stdout, `${ref} ${image.manifestDigest}\n`, listed.stderr);
    assert.match(ctrmon('images', '--root', store).stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n/);
    assert.equal(
      ctrmon('image', 'inspect', '--root', store, '--format', '{{.Id}} {{.Os}}', ref).stdout,
      `${image.configDigest.slice(7)} linux\n`,
    );
    assert.equal(ctrmon('tag', '--root', store, ref, 'localhost/app:2').status, 0);
    assert.deepEqual(ctrmon('images', '--root', store, '--format', '{{.Tag}}').stdout.trim().split('\n').sort(), ['1', '2']);

    const archive = path.join(work, 'app.tar');
    assert.equal(ctrmon('save', '--root', store, '-o', archive, ref).status, 0);
    const inspected = spawnSync('skopeo', ['inspect', '--format', '{{.Digest}}', `oci-archive:${archive}`], { encoding: 'utf8' });
    assert.equal(inspected.stdout.trim(), image.manifestDigest, inspected.stderr);
    const other = path.join(work, 'loaded-store');
    const loaded = ctrmon('load', '--root', other, '-i', archive);
    assert.equal(loaded.stdout, `Loaded image: ${ref}\n`, loaded.stderr);

    const m = suite.monitor({
      options: ['--runtime', 'runc', '--image', ref, '--root', store, '--pull', 'never', '--sdnotify', 'conmon'],
      command: ['sleep', '30'],
    });
    await m.waitForPhase('ready');
    assert.equal(ctrmon('rmi', '--root', store, 'localhost/app:2').stdout, 'Untagged: localhost/app:2\n', 'a second name can go');
    const refused = ctrmon('rmi', '--root', store, ref);
    assert.equal(refused.status, 125);
    assert.match(refused.stderr, new RegExp(`^ctrmon: image ${ref.replace(/[.]/g, '\\.')} is in use by container ${m.name}`));
    assert.equal(ctrmon('image', 'prune', '--all', '--root', store).stdout, '', 'prune keeps what a container uses');
    m.signal('SIGTERM');
    await m.exited;
    assert.equal(ctrmon('image', 'prune', '--all', '--root', store).stdout, `${image.manifestDigest.slice(7)}\n`);
    assert.equal(ctrmon('images', '--root', store, '-q').stdout, '');
  });

  test('two pulls of one image at once, and a pull killed with SIGKILL midway then run again, leave one consistent image', async () => {
    const big = path.join(work, 'big');
    mkdirSync(big, { recursive: true });
    writeFileSync(path.join(big, 'blob.bin'), randomBytes(48 * 1024 * 1024));
    const bigImage = buildLayout(path.join(work, 'big-layout'), 'big', [path.join(testBundle(), 'rootfs'), big], { Cmd: ['/bin/true'] });
    const bigRef = `${registry.host}/ctrmon-test/big:1`;
    pushLayout(bigImage, bigRef);
    const pull = (root: string) =>
      spawn(process.execPath, [CTRMON, 'pull', '--root', root, '--tls-verify=false', '-q', bigRef], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = (child: ReturnType<typeof pull>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.once('close', (code) => resolve({ code, out }));
      });

    const shared = path.join(work, 'concurrent-store');
    const [a, b] = await Promise.all([done(pull(shared)), done(pull(shared))]);
    assert.deepEqual([a.code, b.code], [0, 0], `${a.out}\n${b.out}`);
    assert.equal(a.out, `${bigImage.configDigest}\n`);
    assert.equal(b.out, a.out);
    assert.equal(readdirSync(path.join(shared, 'layers')).length, 2, 'each layer extracted once');

    const killed = path.join(work, 'killed-store');
    const victim = pull(killed);
    const ended = done(victim);
    const ingest = path.join(killed, 'ingest');
    for (let i = 0; i < 500 && !(existsSync(ingest) && readdirSync(ingest).some((f) => !f.endsWith('.lock'))); i++) await delay(10);
    victim.kill('SIGKILL');
    assert.equal((await ended).code, null, 'killed midway, not after it finished');
    const again = await done(pull(killed));
    assert.equal(again.code, 0, again.out);
    assert.equal(again.out, `${bigImage.configDigest}\n`);
    const s = await ImageStore.open(killed);
    assert.equal(s.resolve(bigRef)?.digest, bigImage.manifestDigest);
    const fsck = spawnSync('skopeo', ['inspect', '--format', '{{.Digest}}', `oci:${killed}:${bigRef}`], { encoding: 'utf8' });
    assert.equal(fsck.stdout.trim(), bigImage.manifestDigest, `skopeo reads the store: ${fsck.stderr}`);
  });

  test('a monitor killed with SIGKILL leaves its rootfs mounted; the next start of that name cleans it up and runs', async () => {
    const name = 'img-crash';
    const crashStore = path.join(work, 'crash-store');
    const pulled = spawnSync(process.execPath, [CTRMON, 'pull', '--root', crashStore, '--tls-verify=false', '-q', ref], {
      encoding: 'utf8',
    });
    assert.equal(pulled.status, 0, pulled.stderr);
    const options = ['--runtime', 'runc', '--image', ref, '--root', crashStore, '--pull', 'never'];
    const first = suite.monitor({ name, options, command: ['sleep', '30'] });
    await first.waitForOutput('container started');
    const rootfs = path.join(first.stateDir, name, 'rootfs');
    first.signal('SIGKILL');
    await first.exited;
    assert.deepEqual(mountedBelow(rootfs), [rootfs], 'the crash left the overlay mounted');
    spawnSync('runc', ['delete', '--force', name]); // what systemd's cgroup kill does to the orphaned container
    const second = suite.monitor({ name, options, command: ['true'] });
    assert.equal((await second.exited).code, 0, second.stderr);
    assert.deepEqual(mountedBelow(rootfs), [], 'nothing mounted after the second run');
  });

  test("the image's StopSignal is used unless --stop-signal was given, even as SIGTERM (podman's rule)", async () => {
    const trapper = buildLayout(path.join(work, 'layout-stop'), 'stop', [path.join(testBundle(), 'rootfs')], {
      Cmd: ['/bin/sh', '-c', 'trap "echo got INT; exit 0" INT; trap "echo got TERM; exit 0" TERM; sdnotify -q READY=1; sleep 30 & wait'],
      StopSignal: 'SIGINT',
    });
    const name = 'localhost/ctrmon-test/stop:1';
    const copy = spawnSync('skopeo', ['copy', '--quiet', `oci:${trapper.dir}:stop`, `oci:${store}:${name}`], { encoding: 'utf8' });
    assert.equal(copy.status, 0, copy.stderr);
    const received = async (extra: string[]) => {
      const systemd = await suite.listener();
      const m = suite.monitor({
        options: ['--runtime', 'runc', '--image', name, '--root', store, '--pull', 'never', '--sdnotify', 'container', ...extra],
        notifySocket: systemd.address,
      });
      await systemd.waitFor((e) => e.msg === 'READY=1', 10_000, 'READY');
      m.signal('SIGTERM');
      assert.equal((await m.exited).code, 0, m.stderr);
      return /got (INT|TERM)/.exec(m.stdout)?.[1];
    };
    assert.equal(await received([]), 'INT', "the image's StopSignal");
    assert.equal(await received(['--stop-signal', 'SIGTERM']), 'TERM', 'a given --stop-signal wins, even the default one');
  });

  test('on a terminal, a pull shows each layer with its bytes and rate, ending done', () => {
    const tty = path.join(work, 'tty-store');
    const r = spawnSync('script', ['-qec', `${process.execPath} ${CTRMON} pull --root ${tty} --tls-verify=false ${ref}`, '/dev/null'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout);
    const lastFrame = r.stdout.split('\x1b[2K').slice(-2).join('');
    for (const layer of [image.layers[0], image.layers[1]]) {
      assert.match(lastFrame, new RegExp(`${layer.slice(7, 19)}  done +[0-9.]+ (KiB|MiB) / [0-9.]+ (KiB|MiB) +[0-9.]+ (KiB|MiB)/s`));
    }
    assert.ok(r.stdout.trim().endsWith(image.configDigest), 'the image ID last');
  });
});
