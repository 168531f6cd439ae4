// The native layer applier (native/layer_applier.cc through LayerWriter): real archives from GNU tar
// (gnu and posix formats, with xattrs), hand-built headers for what tar never writes (base-256
// numbers, malicious names), the overlay whiteout forms checked through a real overlay mount, and
// the limits. Root is needed for owners, devices, trusted.* xattrs and mounts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { CtrmonError } from '../../src/errors';
import { LayerWriter, type LayerTotals, mountOverlay, unmount } from '../../src/native';

const isRoot = process.getuid?.() === 0;
const skipReason = isRoot ? false : 'needs root (owners, devices, trusted.* xattrs, mounts)';

const work = mkdtempSync(path.join(tmpdir(), 'ctrmon-layer-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirCount = 0;
function freshDir(): string {
  const dir = path.join(work, `layer-${dirCount++}`);
  mkdirSync(dir);
  return dir;
}

const NO_LIMITS = { maxEntries: 1_000_000, maxBytes: 2 ** 40 };

async function apply(dir: string, tar: Buffer, limits = NO_LIMITS, chunkSize = 65536): Promise<LayerTotals> {
  const writer = new LayerWriter(dir, limits);
  try {
    for (let i = 0; i < tar.length; i += chunkSize) await writer.write(tar.subarray(i, i + chunkSize));
    return await writer.end();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

function xattrHex(file: string, name: string): string | null {
  const script =
    'import os,sys\ntry: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())\nexcept OSError: print("-")';
  const out = execFileSync('python3', ['-c', script, file, name], { encoding: 'utf8' }).trim();
  return out === '-' ? null : out;
}

function setXattr(file: string, name: string, hex: string): void {
  execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]))', file, name, hex]);
}

// --- hand-built archives ---

interface HeaderFields {
  name: string;
  type?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  /** Write uid and size as GNU base-256 numbers. */
  base256?: boolean;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

function base256(buf: Buffer, offset: number, width: number, value: number): void {
  let v = BigInt(value);
  for (let i = width - 1; i > 0; i--) {
    buf[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  buf[offset] = 0x80;
}

function header(f: HeaderFields): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name, 0, 100, 'latin1');
  octal(b, 100, 8, f.mode ?? 0o644);
  const number = f.base256 ? base256 : octal;
  number(b, 108, 8, f.uid ?? 0);
  octal(b, 116, 8, f.gid ?? 0);
  number(b, 124, 12, f.size ?? 0);
  octal(b, 136, 12, f.mtime ?? 1_700_000_000);
  b.write(f.type ?? '0', 156, 1, 'latin1');
  b.write(f.linkname ?? '', 157, 100, 'latin1');
  b.write('ustar\0' + '00', 257, 8, 'latin1');
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  octal(b, 148, 7, sum);
  b[155] = 0x20;
  return b;
}

function pad(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function paxRecords(records: [string, Buffer | string][]): Buffer {
  const parts = records.map(([key, value]) => {
    const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), body]);
  });
  return Buffer.concat(parts);
}

type Entry = HeaderFields & { data?: Buffer | string; pax?: [string, Buffer | string][] };

function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const records = paxRecords(e.pax);
      blocks.push(header({ name: 'PaxHeader', type: 'x', size: records.length }), pad(records));
    }
    const data = Buffer.from(e.data ?? '');
    blocks.push(header({ ...e, size: e.size ?? data.length }), pad(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function refused(dir: string, tar: Buffer, code: string, pattern: RegExp, limits = NO_LIMITS): Promise<void> {
  await assert.rejects(apply(dir, tar, limits), (err: unknown) => {
    assert.ok(err instanceof CtrmonError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('layer applier: archives from GNU tar', { skip: skipReason }, () => {
  // A source tree with everything a layer carries, made once and archived in both formats.
  const src = path.join(work, 'src');
  const longDir = `${'deep-directory-name-'.repeat(4)}x/${'another-long-component-'.repeat(3)}y`;
  // struct vfs_cap_data, revision 2 with the effective flag: bytes 0x00, 0x80, 0xc0, 0xff that a text decoder would mangle.
  const capability = '010000020000c000ff0080000000000000000000';
  const mtime = new Date('2021-03-04T05:06:07Z');

  function makeTree(): void {
    mkdirSync(path.join(src, 'etc'), { recursive: true });
    mkdirSync(path.join(src, 'bin'));
    mkdirSync(path.join(src, 'dev'));
    mkdirSync(path.join(src, longDir), { recursive: true });
    writeFileSync(path.join(src, 'bin', 'tool'), 'tool binary\n');
    writeFileSync(path.join(src, 'etc', 'config'), 'a=1\n');
    writeFileSync(path.join(src, longDir, 'file-with-a-rather-long-name-too.txt'), 'deep\n');
    execFileSync('sh', [
      '-c',
      `cd '${src}' && chown 1234:5678 bin/tool && chmod 4750 bin/tool && chmod 0710 etc && chown 42:43 etc` +
        ` && ln -s /usr/share/zoneinfo/UTC etc/localtime && ln bin/tool bin/tool-link` +
        ` && mknod dev/null c 1 3 && mkfifo dev/fifo && chmod 0620 dev/fifo` +
        ` && touch -h -d @${mtime.getTime() / 1000} bin/tool etc/config etc/localtime etc bin dev`,
    ]);
    setXattr(path.join(src, 'bin', 'tool'), 'security.capability', capability);
  }
  makeTree();

  for (const format of ['gnu', 'posix'] as const) {
    test(`${format} format: files, owners, modes, mtimes, links, devices, long names${format === 'posix' ? ', xattrs' : ''}`, async () => {
      const args = ['-c', `--format=${format}`, '--numeric-owner', '-f', '-', '-C', src, '.'];
      if (format === 'posix') args.splice(1, 0, '--xattrs', '--xattrs-include=*');
      const tar = execFileSync('tar', args, { maxBuffer: 64 << 20 });
      const dir = freshDir();
      // Odd chunk sizes cross every header and data boundary.
      const totals = await apply(dir, tar, NO_LIMITS, 777);
      assert.ok(totals.entries >= 12, `entries ${totals.entries}`);
      assert.equal(totals.bytes, 'tool binary\n'.length + 'a=1\n'.length + 'deep\n'.length);

      const tool = lstatSync(path.join(dir, 'bin/tool'));
      assert.equal(readFileSync(path.join(dir, 'bin/tool'), 'utf8'), 'tool binary\n');
      assert.equal(tool.mode & 0o7777, 0o4750, 'setuid kept: mode set after chown');
      assert.deepEqual([tool.uid, tool.gid], [1234, 5678]);
      assert.equal(tool.mtimeMs, mtime.getTime());
      assert.equal(tool.nlink, 2, 'bin/tool-link is a hard link');
      assert.equal(lstatSync(path.join(dir, 'bin/tool-link')).ino, tool.ino);

      const etc = lstatSync(path.join(dir, 'etc'));
      assert.ok(etc.isDirectory());
      assert.equal(etc.mode & 0o7777, 0o710);
      assert.deepEqual([etc.uid, etc.gid], [42, 43]);
      assert.equal(etc.mtimeMs, mtime.getTime(), 'directory mtime restored after its children');

      assert.equal(readlinkSync(path.join(dir, 'etc/localtime')), '/usr/share/zoneinfo/UTC', 'absolute symlink target verbatim');
      assert.equal(lstatSync(path.join(dir, 'etc/localtime')).mtimeMs, mtime.getTime());

      const devNull = lstatSync(path.join(dir, 'dev/null'));
      assert.ok(devNull.isCharacterDevice());
      assert.equal(devNull.rdev, (1 << 8) | 3);
      const fifo = lstatSync(path.join(dir, 'dev/fifo'));
      assert.ok(fifo.isFIFO());
      assert.equal(fifo.mode & 0o777, 0o620);

      assert.equal(readFileSync(path.join(dir, longDir, 'file-with-a-rather-long-name-too.txt'), 'utf8'), 'deep\n');
      if (format === 'posix')
        assert.equal(xattrHex(path.join(dir, 'bin/tool'), 'security.capability'), capability, 'binary xattr byte-exact');
    });
  }

  test('a large file streams through the bounded queue unchanged', async () => {
    const big = path.join(work, 'big');
    mkdirSync(big);
    const content = randomBytes(12 << 20);
    writeFileSync(path.join(big, 'blob'), content);
    const tar = execFileSync('tar', ['-c', '-f', '-', '-C', big, 'blob'], { maxBuffer: 64 << 20 });
    const dir = freshDir();
    await apply(dir, tar, NO_LIMITS, 1 << 20);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(readFileSync(path.join(dir, 'blob'))), digest(content));
  });
});

describe('layer applier: hand-built archives', { skip: skipReason }, () => {
  test('base-256 numbers, PAX uid/gid/mtime/path and a raw PAX xattr', async () => {
    const dir = freshDir();
    const data = Buffer.from('x'.repeat(100));
    const tar = tarOf([
      { name: 'big-uid', uid: 3_000_000, data, base256: true },
      {
        name: 'short',
        data: 'pax\n',
        pax: [
          ['path', `dir-${'p'.repeat(150)}/file`],
          ['uid', '4000000'],
          ['gid', '4000001'],
          ['mtime', '1600000000.5'],
          ['SCHILY.xattr.user.bin', Buffer.from([0x00, 0x80, 0xc0, 0xff, 0x0a])],
        ],
      },
    ]);
    const totals = await apply(dir, tar);
    assert.deepEqual(totals, { entries: 2, bytes: 104 });
    const st = lstatSync(path.join(dir, 'big-uid'));
    assert.equal(st.uid, 3_000_000);
    assert.equal(st.size, 100);
    const pax = path.join(dir, `dir-${'p'.repeat(150)}`, 'file');
    const paxStat = statSync(pax, { bigint: true });
    assert.deepEqual([paxStat.uid, paxStat.gid], [4_000_000n, 4_000_001n]);
    assert.equal(paxStat.mtimeNs, 1_600_000_000_500_000_000n);
    assert.equal(xattrHex(pax, 'user.bin'), '0080c0ff0a');
  });

  test('whiteouts become overlay whiteouts: .wh.<name> a 0/0 char device, .wh..wh..opq an opaque xattr', async () => {
    const dir = freshDir();
    await apply(
      dir,
      tarOf([
        { name: 'd/', type: '5', mode: 0o755 },
        { name: 'd/.wh..wh..opq' },
        { name: '.wh.gone' },
        { name: '.wh..wh.plnk' },
        { name: 'kept', data: 'k' },
        { name: '.wh.kept' },
      ]),
    );
    const gone = lstatSync(path.join(dir, 'gone'));
    assert.ok(gone.isCharacterDevice());
    assert.equal(gone.rdev, 0);
    assert.equal(xattrHex(path.join(dir, 'd'), 'trusted.overlay.opaque'), Buffer.from('y').toString('hex'));
    assert.equal(readFileSync(path.join(dir, 'kept'), 'utf8'), 'k', 'a whiteout hides lower layers only');
    assert.deepEqual(readdirSync(dir).sort(), ['d', 'gone', 'kept']);
    await refused(freshDir(), tarOf([{ name: 'a/.wh.' }]), 'ERR_LAYER_UNSAFE', /bare whiteout/);
  });

  test('an overlay of two applied layers shows the whiteout and the opaque directory', async (t) => {
    const lower = freshDir();
    const upper = freshDir();
    await apply(
      lower,
      tarOf([
        { name: 'a', data: 'a' },
        { name: 'gone', data: 'g' },
        { name: 'd/', type: '5', mode: 0o755 },
        { name: 'd/old', data: 'o' },
        { name: 'e/', type: '5', mode: 0o755 },
        { name: 'e/old', data: 'o' },
      ]),
    );
    await apply(
      upper,
      tarOf([
        { name: '.wh.gone' },
        { name: 'd/', type: '5', mode: 0o755 },
        { name: 'd/.wh..wh..opq' },
        { name: 'd/new', data: 'n' },
        { name: 'e/new', data: 'n' },
      ]),
    );
    const rw = freshDir();
    const work2 = freshDir();
    const merged = freshDir();
    try {
      mountOverlay([upper, lower], rw, work2, merged);
    } catch (err) {
      const overlaySkipReason = `cannot mount overlayfs here: ${(err as Error).message}`;
      t.skip(overlaySkipReason);
      return;
    }
    try {
      assert.deepEqual(readdirSync(merged).sort(), ['a', 'd', 'e']);
      assert.deepEqual(readdirSync(path.join(merged, 'd')), ['new'], 'opaque: the lower d/old is hidden');
      assert.deepEqual(readdirSync(path.join(merged, 'e')).sort(), ['new', 'old'], 'a plain directory merges');
      writeFileSync(path.join(merged, 'written'), 'w');
      assert.ok(existsSync(path.join(rw, 'written')), 'writes go to the upper dir');
    } finally {
      unmount(merged);
    }
    assert.deepEqual(readdirSync(merged), [], 'unmounted');
    assert.throws(() => unmount(merged), /EINVAL/);
  });

  describe('malicious layers are refused and write nothing outside', () => {
    const outside = path.join(work, 'outside');
    mkdirSync(outside, { recursive: true });
    const passwd = statSync('/etc/passwd');
    const absName = `/tmp/ctrmon-abs-${process.pid}`;

    const cases: [string, Entry[], RegExp, () => void][] = [
      ['../x', [{ name: '../x', data: 'x' }], /'\.\.'/, () => {}],
      ['c/../../x', [{ name: 'c/../../x', data: 'x' }], /'\.\.'/, () => {}],
      ['/abs', [{ name: absName, data: 'x' }], /absolute/, () => assert.ok(!existsSync(absName))],
      [
        'symlink, then a write through it',
        [
          { name: 'l', type: '2', linkname: outside },
          { name: 'l/passwd', data: 'pwned' },
        ],
        /symlink/,
        () => assert.ok(!existsSync(path.join(outside, 'passwd'))),
      ],
      [
        'symlink to /etc, then a write through it',
        [
          { name: 'l', type: '2', linkname: '/etc' },
          { name: `l/ctrmon-pwned-${process.pid}`, data: 'pwned' },
        ],
        /symlink/,
        () => assert.ok(!existsSync(`/etc/ctrmon-pwned-${process.pid}`)),
      ],
      ['hard link to /etc/passwd', [{ name: 'hl', type: '1', linkname: '/etc/passwd' }], /absolute/, () => {}],
      ['hard link to ../../../etc/passwd', [{ name: 'hl', type: '1', linkname: '../../../../../../etc/passwd' }], /'\.\.'/, () => {}],
      [
        'hard link through a symlink',
        [
          { name: 'l', type: '2', linkname: '/etc' },
          { name: 'hl', type: '1', linkname: 'l/passwd' },
        ],
        /symlink/,
        () => {},
      ],
      [
        'an overlay xattr',
        [{ name: 'f', data: 'x', pax: [['SCHILY.xattr.trusted.overlay.redirect', '/etc']] }],
        /overlayfs xattr/,
        () => {},
      ],
    ];
    for (const [label, entries, pattern, check] of cases) {
      test(label, async () => {
        // Applied two levels down, so that '../x' would land in base/a if anything escaped.
        const base = freshDir();
        const dir = path.join(base, 'a', 'b');
        mkdirSync(dir, { recursive: true });
        await refused(dir, tarOf(entries), 'ERR_LAYER_UNSAFE', pattern);
        check();
        assert.deepEqual(readdirSync(base), ['a']);
        assert.deepEqual(readdirSync(path.join(base, 'a')), ['b']);
        assert.deepEqual(readdirSync(outside), []);
        const now = statSync('/etc/passwd');
        assert.deepEqual([now.nlink, now.mtimeMs, now.size], [passwd.nlink, passwd.mtimeMs, passwd.size], '/etc/passwd untouched');
      });
    }

    test('a symlink to an outside directory is kept verbatim but never followed while writing', async () => {
      const dir = freshDir();
      await apply(dir, tarOf([{ name: 'l', type: '2', linkname: outside }]));
      assert.equal(readlinkSync(path.join(dir, 'l')), outside);
      assert.deepEqual(readdirSync(outside), []);
    });
  });

  test('limits: entry count and unpacked bytes (refused before the data is written)', async () => {
    const three = tarOf([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    await refused(freshDir(), three, 'ERR_LAYER_LIMIT', /more than 2 entries/, { maxEntries: 2, maxBytes: 0 });
    assert.deepEqual(await apply(freshDir(), three, { maxEntries: 3, maxBytes: 0 }), { entries: 3, bytes: 0 });
    const dir = freshDir();
    const writer = new LayerWriter(dir, { maxEntries: 10, maxBytes: 999 });
    await writer.write(
      tarOf([
        { name: 'small', data: 'x'.repeat(500) },
        { name: 'bomb', data: 'y'.repeat(500) },
      ]),
    );
    await assert.rejects(
      writer.end(),
      (err: CtrmonError) => err.code === 'ERR_LAYER_LIMIT' && /'bomb'.*more than 999 bytes/.test(err.message),
    );
    assert.ok(!existsSync(path.join(dir, 'bomb')));
  });

  test('not a tar archive, a truncated one and unknown entry types are refused', async () => {
    await refused(freshDir(), randomBytes(2048), 'ERR_LAYER_UNSAFE', /checksum/);
    const whole = tarOf([{ name: 'f', data: 'z'.repeat(2000) }]);
    await refused(freshDir(), whole.subarray(0, 1200), 'ERR_LAYER_UNSAFE', /truncated/);
    await refused(freshDir(), tarOf([{ name: 'sparse', type: 'S' }]), 'ERR_LAYER_UNSAFE', /unsupported tar entry type 'S'/);
  });

  test('abort() stops the thread and rejects later writes', async () => {
    const dir = freshDir();
    const writer = new LayerWriter(dir, NO_LIMITS);
    await writer.write(tarOf([{ name: 'f', data: 'x' }]).subarray(0, 512));
    writer.abort();
    await assert.rejects(writer.write(Buffer.alloc(512)), /aborted/);
  });
});
