import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { describeHost } from '../../src/host/host';
import { generateUnits } from '../../src/systemd/generator';
import { containerToUnit } from '../../src/systemd/quadlet';
import { parseUnitFile, quoteWord, splitWords } from '../../src/systemd/unit-file';
import { renderUnit } from '../../src/systemd/unit-generator';
import { CTRMON } from '../helpers/monitor-process';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const COMMAND = ['/usr/bin/node', '/opt/ctrmon/bin/ctrmon.js'];
/** Root's host: these units are the system manager's. */
const HOST = describeHost({}, 0);

/** The unit's entries as [section, key, value]. */
function entriesOf(text: string): [string, string, string][] {
  return parseUnitFile(text, 'generated').map((e) => [e.section, e.key, e.value]);
}

describe('unit-file syntax', () => {
  test('sections, comments, continuations; errors name the file and line', () => {
    const entries = parseUnitFile('# c\n[Unit]\nDescription=a b\n; c\n[Service]\nExecStart=/bin/x \\\n  --flag\n', 'u.service');
    assert.deepEqual(
      entries.map((e) => [e.section, e.key, e.value, e.line]),
      [
        ['Unit', 'Description', 'a b', 3],
        ['Service', 'ExecStart', '/bin/x  --flag', 6],
      ],
    );
    assert.throws(() => parseUnitFile('Key=1\n', 'f.container'), {
      code: 'ERR_UNIT_FILE',
      message: 'f.container:1: Key= is outside of any [Section]',
    });
    assert.throws(() => parseUnitFile('[Container]\njust words\n', 'f.container'), {
      message: 'f.container:2: expected Key=Value, got "just words"',
    });
    assert.throws(() => parseUnitFile('[Con tainer]\n', 'f.container'), {
      message: 'f.container:1: malformed section header [Con tainer]',
    });
  });

  test('words: quotes, escapes; unbalanced quotes are errors', () => {
    assert.deepEqual(
      splitWords(`A=1 "B=two words" 'C=it\\s' D\\ E "F=\\"q\\""`, () => 'here'),
      ['A=1', 'B=two words', 'C=it ', 'D E', 'F="q"'],
    );
    assert.throws(() => splitWords('"open', () => 'x.container:3: Exec='), { message: 'x.container:3: Exec=: unbalanced quote "' });
  });

  test("quoting for ExecStart survives systemd's own splitting, specifiers and variables", () => {
    for (const word of ['plain', 'two words', '100%', '$HOME', 'a"b', 'back\\slash', 'x=y z']) {
      const quoted = quoteWord(word);
      const unescaped = splitWords(quoted.replace(/%%/g, '%').replace(/\$\$/g, '$'), () => 'q');
      assert.deepEqual(unescaped, [word], quoted);
    }
    assert.equal(quoteWord('100%'), '100%%');
    assert.equal(quoteWord('$HOME'), '"$$HOME"');
  });
});

describe('generated units', () => {
  test('carry what the monitor needs, with the timeouts that fit its options', () => {
    const o = buildMonitorOptions(
      'web',
      ['/bin/app', 'a b'],
      {
        bundle: '/srv/web',
        sdnotify: 'container',
        stopSignal: 'SIGINT',
        stopTimeout: '20',
        env: ['A=1'],
        runtime: 'runc',
      },
      HOST,
    );
    const text = renderUnit(
      o,
      HOST,
      { restart: 'on-failure', header: 'test', extra: { Install: [['WantedBy', 'default.target']] } },
      COMMAND,
    );
    const entries = entriesOf(text);
    for (const expected of [
      ['Service', 'Type', 'notify'],
      ['Service', 'NotifyAccess', 'main'],
      ['Service', 'Delegate', 'yes'],
      ['Service', 'KillMode', 'mixed'],
      ['Service', 'TimeoutStartSec', '90'],
      ['Service', 'TimeoutStopSec', '30'],
      ['Service', 'SuccessExitStatus', '130'],
      ['Service', 'Restart', 'on-failure'],
      ['Install', 'WantedBy', 'default.target'],
      ['Unit', 'RequiresMountsFor', '/srv/web /run/ctrmon'],
    ] as const) {
      assert.ok(
        entries.some((e) => e.join('|') === expected.join('|')),
        `${expected.join('|')} in\n${text}`,
      );
    }
    const execStart = entries.find((e) => e[1] === 'ExecStart')![2];
    assert.deepEqual(
      splitWords(execStart, () => 'ExecStart'),
      [...COMMAND, ...monitorArgs(o, HOST)],
    );
  });

  test('the generated ExecStart parses back to the same monitor options', () => {
    const o = buildMonitorOptions(
      'web',
      ['sleep', '1'],
      {
        bundle: '/srv/web',
        sdnotify: 'healthy',
        healthCmd: 'test -e /ok',
        healthInterval: '2s',
        healthRetries: '5',
        healthStartPeriod: '1m',
        label: ['tier=web'],
        logDriver: 'k8s-file',
        logSizeMax: '1m',
        stateDir: '/var/run/x',
        notifyExtendTimeoutMax: '30s',
        logLevel: 'debug',
      },
      HOST,
    );
    const args = monitorArgs(o, HOST);
    const parsed = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const { Command } = require('commander');
      const { addMonitorOptions } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'cli', 'monitor-options.js'))});
      const { buildMonitorOptions } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'config', 'monitor-options.js'))});
      const { describeHost } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'host', 'host.js'))});
      const HOST = describeHost({}, 0);
      const cmd = addMonitorOptions(new Command('monitor').argument('<name>').argument('[command...]').passThroughOptions(), HOST);
      cmd.action((name, command, raw) => process.stdout.write(JSON.stringify(buildMonitorOptions(name, command, raw, HOST))));
      cmd.parse(${JSON.stringify(args.slice(1))}, { from: 'user' });
    `,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(parsed.status, 0, parsed.stderr);
    assert.deepEqual(JSON.parse(parsed.stdout), JSON.parse(JSON.stringify(o)));
  });

  test('healthy mode raises TimeoutStartSec past the start period; ignore mode is Type=exec', () => {
    const healthy = buildMonitorOptions('web', [], { bundle: '/b', sdnotify: 'healthy', healthCmd: 'true', healthStartPeriod: '3m' }, HOST);
    assert.ok(
      entriesOf(renderUnit(healthy, HOST, { restart: 'no', header: 'h' }, COMMAND)).some(
        (e) => e[1] === 'TimeoutStartSec' && Number(e[2]) >= 180 + 30,
      ),
    );
    const ignore = buildMonitorOptions('web', [], { bundle: '/b', sdnotify: 'ignore' }, HOST);
    assert.ok(
      entriesOf(renderUnit(ignore, HOST, { restart: 'no', header: 'h' }, COMMAND)).some((e) => e.join('|') === 'Service|Type|exec'),
    );
  });
});

describe('.container files', () => {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test('[Container] keys become monitor options; the other sections pass through', () => {
    const file = write(
      'web.container',
      [
        '[Unit]',
        'Description=my web',
        '[Container]',
        'ContainerName=webby',
        'Bundle=bundles/web',
        'Exec=/bin/app "--greeting=hello world"',
        'Environment=A=1 "B=two words"',
        'Label=tier=web',
        'Notify=healthy',
        'HealthCmd=test -e /ok',
        'HealthInterval=5s',
        'HealthRetries=2',
        'HealthStartPeriod=10s',
        'HealthTimeout=3s',
        'StopSignal=SIGINT',
        'StopTimeout=20',
        'LogDriver=journald',
        'Runtime=crun',
        'RuntimeArgs=--cgroup-manager=disabled',
        '[Service]',
        'TimeoutStartSec=300',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    const unit = containerToUnit(file, readFileSync(file, 'utf8'), 'h', HOST, COMMAND);
    assert.equal(unit.unitName, 'web.service');
    const o = unit.options;
    assert.equal(o.name, 'webby');
    assert.equal(o.bundle, path.join(dir, 'bundles', 'web'));
    assert.deepEqual(o.command, ['/bin/app', '--greeting=hello world']);
    assert.deepEqual(o.env, ['A=1', 'B=two words']);
    assert.deepEqual(o.labels, { tier: 'web' });
    assert.equal(o.sdnotify, 'healthy');
    assert.deepEqual(o.health, {
      command: ['/bin/sh', '-c', 'test -e /ok'],
      intervalMs: 5000,
      timeoutMs: 3000,
      retries: 2,
      startPeriodMs: 10_000,
    });
    assert.deepEqual(
      [o.stopSignal, o.stopTimeoutMs, o.logDriver, o.runtime, o.runtimeArgs],
      ['SIGINT', 20_000, 'journald', 'crun', ['--cgroup-manager=disabled']],
    );
    const entries = entriesOf(unit.text);
    assert.ok(entries.some((e) => e.join('|') === 'Unit|Description|my web'));
    assert.ok(entries.some((e) => e.join('|') === `Unit|SourcePath|${file}`));
    const starts = entries.filter((e) => e[1] === 'TimeoutStartSec').map((e) => e[2]);
    assert.equal(starts[starts.length - 1], '300', "the file's own setting comes last and wins");
    assert.deepEqual(unit.install, [['WantedBy', 'multi-user.target']]);
  });

  test('Notify=true is the container mode, false (the default) conmon mode', () => {
    const base = `[Container]\nBundle=/b\n`;
    assert.equal(containerToUnit('/x/a.container', `${base}Notify=true\n`, 'h', HOST, COMMAND).options.sdnotify, 'container');
    assert.equal(containerToUnit('/x/a.container', base, 'h', HOST, COMMAND).options.sdnotify, 'conmon');
    assert.equal(containerToUnit('/x/a.container', base, 'h', HOST, COMMAND).options.name, 'a');
  });

  test('unknown keys, bad values and missing pieces are errors naming file and line', () => {
    const cases: [string, string][] = [
      ['[Container]\nBundle=/b\nDevice=/dev/x\n', 'bad.container:3: unsupported key Device= in [Container]'],
      ['[Container]\nImage=quay.io/x\nPublishPort=http\n', 'bad.container:3: PublishPort=: container port "http" is not a port'],
      ['[Container]\nImage=quay.io/x\nVolume=data\n', 'bad.container:3: Volume=: expected /host/path:/container/path'],
      ['[Container]\nBundle=/b\nImage=quay.io/x\n', 'bad.container: --bundle and --image exclude each other'],
      ['[Container]\nBundle=/b\nNotify=maybe\n', 'bad.container:3: Notify=maybe: expected true, false or healthy'],
      ['[Container]\nBundle=/b\nHealthInterval=soon\n', 'bad.container:3: HealthInterval=soon: expected a duration'],
      ['[Container]\nBundle=/b\nStopSignal=NOPE\n', 'bad.container:3: StopSignal=NOPE: not a signal name or number'],
      ['[Container]\nBundle=/b\nEnvironment==novalue\n', 'bad.container:3: Environment=: "=novalue" is not KEY=VALUE or KEY'],
      ['[Container]\nBundle=/b\nContainerName=-x\n', 'bad.container:3: ContainerName=-x: invalid container name'],
      ['[Container]\nImage=Not A Reference\n', 'bad.container:2: Image=Not A Reference: invalid image reference'],
      ['[Container]\nBundle=/b\n[Pod]\nX=1\n', 'bad.container:4: unknown section [Pod]'],
      ['[Unit]\nDescription=x\n', 'bad.container: no [Container] section'],
      ['[Container]\nNotify=true\n', 'bad.container: [Container] needs Bundle='],
      ['[Container]\nBundle=/b\nNotify=healthy\n', 'bad.container: --sdnotify=healthy requires --health-cmd'],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => containerToUnit('bad.container', text, 'h', HOST, COMMAND),
        (err: Error & { code: string }) => {
          assert.equal(err.code, 'ERR_UNIT_FILE');
          assert.ok(err.message.startsWith(message), `${err.message}\n  should start with\n${message}`);
          return true;
        },
      );
    }
  });

  test('the generator writes units and install links, earlier directories win, bad files are reported and skipped', () => {
    const run = path.join(dir, 'gen', 'run');
    const etc = path.join(dir, 'gen', 'etc');
    const out = path.join(dir, 'gen', 'out');
    mkdirSync(run, { recursive: true });
    mkdirSync(etc, { recursive: true });
    writeFileSync(
      path.join(run, 'web.container'),
      '[Container]\nBundle=/srv/run-web\n[Install]\nWantedBy=multi-user.target\nAlias=www.service\n',
    );
    writeFileSync(path.join(etc, 'web.container'), '[Container]\nBundle=/srv/etc-web\n');
    writeFileSync(path.join(etc, 'db.container'), '[Container]\nBundle=/srv/db\n[Install]\nRequiredBy=app.target\n');
    writeFileSync(path.join(etc, 'bad.container'), '[Container]\nBundle=/b\nDevice=/dev/x\n');
    writeFileSync(path.join(etc, 'notes.txt'), 'not a container');
    const result = generateUnits(
      { ...HOST, paths: { ...HOST.paths, searchDirs: [run, etc].map((d) => ({ path: d, podman: false })) } },
      out,
      'h',
      COMMAND,
    );
    assert.deepEqual(result.written.sort(), ['db.service', 'web.service']);
    // The list of supported keys grows with every option: its head is enough to see it is the list.
    assert.equal(result.errors.length, 1);
    assert.match(
      result.errors[0],
      new RegExp(
        `^${path.join(etc, 'bad.container')}:3: unsupported key Device= in \\[Container\\] \\(supported: ContainerName, Exec, Bundle, Image, .*\\)$`,
      ),
    );
    assert.match(readFileSync(path.join(out, 'web.service'), 'utf8'), /--bundle \/srv\/run-web /);
    assert.equal(readlinkSync(path.join(out, 'multi-user.target.wants', 'web.service')), '../web.service');
    assert.equal(readlinkSync(path.join(out, 'www.service')), 'web.service');
    assert.equal(readlinkSync(path.join(out, 'app.target.requires', 'db.service')), '../db.service');
    assert.equal(existsSync(path.join(out, 'bad.service')), false);
  });

  test('the generator executable: units into normal-dir, exit 1 and a message for a bad file', () => {
    const home = path.join(dir, 'home');
    const quadlets = path.join(home, '.config', 'ctrmon', 'systemd');
    mkdirSync(quadlets, { recursive: true });
    writeFileSync(path.join(quadlets, 'mine.container'), '[Container]\nBundle=/srv/mine\n');
    writeFileSync(path.join(quadlets, 'broken.container'), '[Container\n');
    const out = path.join(dir, 'user-out');
    const generator = path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator');
    const r = spawnSync(generator, [out, out, out], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_SCOPE: 'user', HOME: home, XDG_CONFIG_HOME: '', XDG_RUNTIME_DIR: '' },
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `ctrmon-systemd-generator: ${path.join(quadlets, 'broken.container')}:1: malformed section header [Container\n`);
    assert.ok(existsSync(path.join(out, 'mine.service')));
    assert.deepEqual(
      describeHost({ SYSTEMD_SCOPE: 'user', HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, 0)
        .paths.searchDirs.filter((d) => !d.podman)
        .map((d) => d.path),
      ['/run/user/1000/ctrmon/systemd', '/home/u/.config/ctrmon/systemd'],
    );
  });
});
