// What the generator makes of one .container file: its drop-ins applied in systemd's order (by
// name across directories, an earlier directory's of one name masking a later one's, an empty
// assignment resetting a list key), templates and their instances, and nothing at all for a file
// that cannot be translated.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type Host, describeHost } from '../../src/host/host';
import { generateUnits } from '../../src/systemd/generator';
import { applyEmptyAssignments } from '../../src/systemd/quadlet-files';
import { splitWords } from '../../src/systemd/unit-file';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-generator-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const COMMAND = ['/usr/bin/ctrmon'];
let n = 0;

/** Search directories a, b (in that order) under a fresh root, with these files (path under root -> text). */
function setup(files: Record<string, string>, links: Record<string, string> = {}) {
  const root = path.join(dir, `t${n++}`);
  for (const d of ['a', 'b']) mkdirSync(path.join(root, d), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  for (const [rel, target] of Object.entries(links)) symlinkSync(target, path.join(root, rel));
  const base = describeHost({}, 0);
  const host: Host = {
    ...base,
    paths: { ...base.paths, podmanGenerators: [], searchDirs: ['a', 'b'].map((d) => ({ path: path.join(root, d), podman: false })) },
  };
  const out = path.join(root, 'out');
  const result = generateUnits(host, out, 'h', COMMAND);
  const unit = (name: string) => readFileSync(path.join(out, name), 'utf8');
  const args = (name: string) => splitWords(/^ExecStart=(.*)$/m.exec(unit(name))![1], () => 'ExecStart');
  return { root, out, result, unit, args };
}

/** The values of flag in args, in order. */
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('drop-ins', () => {
  test('applied by file name across directories, after the file; a name in an earlier directory masks a later one; specific before container.d', () => {
    const g = setup({
      'b/web.container': '[Container]\nBundle=/srv/web\nEnvironment=A=file\n',
      'a/web.container.d/20-b.conf': '[Container]\nEnvironment=B=a20\n',
      'b/web.container.d/20-b.conf': '[Container]\nEnvironment=B=b20-masked\n',
      'b/web.container.d/10-a.conf': '[Container]\nEnvironment=C=b10\n',
      'a/container.d/30-all.conf': '[Container]\nEnvironment=D=all30\n',
      'a/container.d/20-b.conf': '[Container]\nEnvironment=B=top-level-masked\n',
      'b/web.container.d/notes.txt': '[Container]\nEnvironment=E=not-a-conf\n',
      'b/other.container.d/10.conf': '[Container]\nEnvironment=E=other\n',
    });
    assert.deepEqual(g.result.errors, []);
    assert.deepEqual(valuesOf(g.args('web.service'), '--env'), ['A=file', 'C=b10', 'B=a20', 'D=all30']);
  });

  test('a drop-in overrides a single key (Image=) and adds [Service] and [Install] entries', () => {
    const g = setup({
      'a/web.container': '[Container]\nImage=localhost/app:1\n',
      'b/web.container.d/override.conf':
        '[Container]\nImage=localhost/app:2\n[Service]\nTimeoutStartSec=7\n[Install]\nWantedBy=multi-user.target\n',
    });
    assert.deepEqual(g.result.errors, []);
    assert.deepEqual(valuesOf(g.args('web.service'), '--image'), ['localhost/app:2']);
    assert.match(g.unit('web.service'), /^TimeoutStartSec=7$/m);
    assert.equal(readlinkSync(path.join(g.out, 'multi-user.target.wants', 'web.service')), '../web.service');
  });

  test('an empty assignment resets a list key (Environment=, Label=, WantedBy=); a drop-in error names the drop-in and line', () => {
    const g = setup({
      'a/web.container': '[Container]\nBundle=/srv/web\nEnvironment=A=1\nLabel=x=1\n[Install]\nWantedBy=multi-user.target\n',
      'a/web.container.d/10.conf': '[Container]\nEnvironment=\nEnvironment=B=2\nLabel=\n[Install]\nWantedBy=\nWantedBy=default.target\n',
      'a/bad.container': '[Container]\nBundle=/srv/bad\n',
      'a/bad.container.d/10.conf': '\n[Container]\nNoSuchKey=1\n',
    });
    assert.deepEqual(valuesOf(g.args('web.service'), '--env'), ['B=2']);
    assert.deepEqual(valuesOf(g.args('web.service'), '--label'), []);
    assert.ok(!existsSync(path.join(g.out, 'multi-user.target.wants')));
    assert.ok(existsSync(path.join(g.out, 'default.target.wants', 'web.service')));
    assert.equal(g.result.errors.length, 1);
    assert.match(g.result.errors[0], new RegExp(`^${path.join(g.root, 'a', 'bad.container.d', '10.conf')}:3: unsupported key NoSuchKey=`));
  });

  test('the reset helper: only list keys, only in their section, and the empty entry itself goes', () => {
    const e = (section: string, key: string, value: string) => ({ section, key, value });
    const isList = (section: string, key: string) => section === 'Container' && key === 'Volume';
    assert.deepEqual(
      applyEmptyAssignments(
        [
          e('Container', 'Volume', '/a:/a'),
          e('Service', 'Volume', 'x'),
          e('Container', 'Volume', ''),
          e('Container', 'Image', ''),
          e('Container', 'Volume', '/b:/b'),
        ],
        isList,
      ),
      [e('Service', 'Volume', 'x'), e('Container', 'Image', ''), e('Container', 'Volume', '/b:/b')],
    );
  });
});

describe('templates', () => {
  const template = '[Container]\nBundle=/srv/web\nEnvironment=INSTANCE=%i\n[Install]\nWantedBy=multi-user.target\n';

  test('name@.container is the template name@.service: %i left for systemd, the container named <prefix>-%i; enabled only through DefaultInstance=', () => {
    const g = setup({ 'a/web@.container': template, 'a/api@.container': `${template}DefaultInstance=main\n` });
    assert.deepEqual(g.result.errors, []);
    assert.deepEqual(g.result.written, ['api@.service', 'web@.service']);
    const execStart = /^ExecStart=(.*)$/m.exec(g.unit('web@.service'))![1];
    assert.match(execStart, / --env INSTANCE=%i /);
    assert.match(execStart, / web-%i$/);
    assert.ok(!existsSync(path.join(g.out, 'multi-user.target.wants', 'web@.service')), 'a template without an instance is not enabled');
    assert.equal(readlinkSync(path.join(g.out, 'multi-user.target.wants', 'api@main.service')), '../api@.service');
  });

  test('an instance (a link to the template, or a file) is its own unit with its own and its template drop-ins; ContainerName= with %i', () => {
    const g = setup(
      {
        'a/web@.container': `${template}`,
        'b/web@.container.d/10.conf': '[Container]\nEnvironment=TEMPLATE=yes\n',
        'b/web@two.container.d/10.conf': '[Container]\nEnvironment=TEMPLATE=overridden-for-two\nContainerName=w-%i-x\n',
      },
      { 'a/web@one.container': 'web@.container', 'a/web@two.container': 'web@.container' },
    );
    assert.deepEqual(g.result.errors, []);
    assert.deepEqual(g.result.written, ['web@.service', 'web@one.service', 'web@two.service']);
    assert.deepEqual(valuesOf(g.args('web@one.service'), '--env'), ['INSTANCE=%i', 'TEMPLATE=yes']);
    assert.deepEqual(valuesOf(g.args('web@two.service'), '--env'), ['INSTANCE=%i', 'TEMPLATE=overridden-for-two']);
    assert.equal(g.args('web@two.service').at(-1), 'w-%i-x');
    assert.equal(readlinkSync(path.join(g.out, 'multi-user.target.wants', 'web@one.service')), '../web@one.service');
    assert.equal(readlinkSync(path.join(g.out, 'multi-user.target.wants', 'web@two.service')), '../web@two.service');
    assert.match(g.unit('web@one.service'), /^Description=ctrmon container web-%i$/m);
  });

  test('%% stays a literal percent sign for systemd to unescape', () => {
    const g = setup({ 'a/web@.container': '[Container]\nBundle=/srv/web\nEnvironment=P=100%%i\n' });
    assert.deepEqual(g.result.errors, []);
    assert.deepEqual(valuesOf(g.args('web@.service'), '--env'), ['P=100%%i']);
  });
});

describe('a file that cannot be translated', () => {
  test('makes nothing at all: no unit, no link, no socket copy; the other files are still generated', () => {
    const g = setup({
      'a/alias.container': '[Container]\nBundle=/srv/x\n[Install]\nWantedBy=multi-user.target\nAlias=dir/other.service\n',
      'a/alias.socket': '[Socket]\nListenStream=8080\n[Install]\nWantedBy=sockets.target\n',
      'a/kind.container': '[Container]\nBundle=/srv/x\n[Install]\nWantedBy=multi-user.target\nAlias=other.target\n',
      'a/sock.container': '[Container]\nBundle=/srv/x\n[Install]\nWantedBy=multi-user.target\n',
      'a/sock.socket': '[Socket]\nListenStream=8080\nAccept=yes\n',
      'a/clash.container': '[Container]\nBundle=/srv/x\n[Install]\nAlias=good.service\n',
      'a/good.container': '[Container]\nBundle=/srv/good\n[Install]\nWantedBy=multi-user.target\n',
    });
    const file = (name: string) => path.join(g.root, 'a', name);
    assert.deepEqual(g.result.errors, [
      `${file('alias.container')}:5: Alias=dir/other.service: expected a unit name, without a directory (such as multi-user.target)`,
      `${file('clash.container')}: good.service is the unit of ${file('good.container')}`,
      `${file('kind.container')}:5: Alias=other.target: an alias of a service is another name.service`,
      `${file('sock.socket')}: Accept=yes is not supported: the container's server accepts on the listening socket (Accept=no)`,
    ]);
    assert.deepEqual(g.result.written, ['good.service']);
    assert.deepEqual(readdirSync(g.out).sort(), ['good.service', 'multi-user.target.wants']);
    assert.deepEqual(readdirSync(path.join(g.out, 'multi-user.target.wants')), ['good.service']);
  });
});
