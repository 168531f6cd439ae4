// .container files and the units they must give, or the error, as a table: podman-systemd.unit(5)
// and systemd.syntax(7) are the reference (a podman user's file runs unchanged, or is refused with
// the file, the line, the key and what to do). Each case names what it checks; the unit is read
// back with the unit-file parser and ExecStart split into words, so a case states settings, not text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { MONITOR_FLAGS } from '../../src/config/monitor-options';
import { type Host, describeHost } from '../../src/host/host';
import { packagePath } from '../../src/package-root';
import { generateUnits } from '../../src/systemd/generator';
import { containerToUnit } from '../../src/systemd/quadlet';
import { REFUSED_CONTAINER_KEYS } from '../../src/systemd/refused-container-keys';
import { parseUnitFile, splitWords } from '../../src/systemd/unit-file';
import { CTRMON } from '../helpers/monitor-process';

const FILE = '/etc/containers/systemd/web.container';
const COMMAND = ['/usr/bin/node', '/opt/ctrmon/bin/ctrmon.js'];
const SYSTEM = describeHost({}, 0);
const USER = describeHost({ SYSTEMD_SCOPE: 'user', HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
const IMAGE = 'Image=quay.io/app:1';
const BUNDLE = 'Bundle=/srv/web';

interface Case {
  name: string;
  /** The file's text; `[Container]` and an image are added in front unless it has a [Container] of its own. */
  text: string;
  host?: Host;
  known?: string[];
  /** Lines of the unit, as Section|Key|Value, that it must have. */
  has?: string[];
  /** Section|Key (no such entry) or Section|Key|Value (not that one) that it must not have. */
  lacks?: string[];
  /** Section|Key: how many entries of that key the unit has. */
  count?: Record<string, number>;
  /** Runs of words that ExecStart must contain, each in this order, side by side. */
  exec?: string[][];
  /** Words ExecStart must not have. */
  notExec?: string[];
  /** The container's command: ExecStart's words after the name. */
  command?: string[];
  /** The error's message starts with this (the file gives no unit). */
  error?: string;
  warnings?: string[];
}

function fileText(c: Case): string {
  return c.text.includes('[Container]') ? c.text : `[Container]\n${IMAGE}\n${c.text}`;
}

function containsRun(words: string[], run: string[]): boolean {
  return words.some((_w, i) => run.every((r, j) => words[i + j] === r));
}

function check(c: Case): void {
  const warnings: string[] = [];
  const translate = () =>
    containerToUnit(FILE, fileText(c), 'test', c.host ?? SYSTEM, COMMAND, {
      known: new Set(c.known ?? []),
      warn: (m) => warnings.push(m),
    });
  if (c.error) {
    assert.throws(translate, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_UNIT_FILE');
      assert.ok(err.message.startsWith(c.error!), `${err.message}\n  should start with\n${c.error}`);
      return true;
    });
    return;
  }
  const unit = translate();
  const lines = parseUnitFile(unit.text, 'generated').map((e) => `${e.section}|${e.key}|${e.value}`);
  const show = `\n${unit.text}`;
  for (const line of c.has ?? []) assert.ok(lines.includes(line), `${line} in${show}`);
  for (const line of c.lacks ?? []) {
    const hit = line.split('|').length === 2 ? lines.some((l) => l.startsWith(`${line}|`)) : lines.includes(line);
    assert.ok(!hit, `no ${line} in${show}`);
  }
  for (const [key, n] of Object.entries(c.count ?? {}))
    assert.equal(lines.filter((l) => l.startsWith(`${key}|`)).length, n, `${n} × ${key} in${show}`);
  const execStart = lines.find((l) => l.startsWith('Service|ExecStart|'))!.slice('Service|ExecStart|'.length);
  const words = splitWords(execStart, () => 'ExecStart');
  for (const run of c.exec ?? []) assert.ok(containsRun(words, run), `${JSON.stringify(run)} in ${JSON.stringify(words)}`);
  for (const word of c.notExec ?? []) assert.ok(!words.includes(word), `no ${word} in ${JSON.stringify(words)}`);
  // The command comes last, after the container's name.
  if (c.command) assert.deepEqual(words.slice(-c.command.length - 1), [unit.options.name, ...c.command], execStart);
  assert.deepEqual(warnings, c.warnings ?? []);
}

const SYNTAX: Case[] = [
  {
    name: 'a double-quoted single value is the value',
    text: '[Container]\nImage="docker.io/library/alpine:latest"\n',
    exec: [['--image', 'docker.io/library/alpine:latest']],
  },
  { name: 'a single-quoted single value is the value', text: "[Container]\nImage='quay.io/x:1'\n", exec: [['--image', 'quay.io/x:1']] },
  { name: 'a quoted bundle path', text: '[Container]\nBundle="/srv/my web"\n', exec: [['--bundle', '/srv/my web']] },
  { name: 'an octal escape in single quotes', text: "Exec=/bin/echo '\\110ello'\n", command: ['/bin/echo', 'Hello'] },
  {
    name: 'hex, unicode, one-letter escapes, inside and outside quotes',
    text: 'Exec=echo "\\x48i" \\u0048 \\U00000048 "tab\\there" a\\sb \'it\\\'s\' "q\\"uote"\n',
    command: ['echo', 'Hi', 'H', 'H', 'tab\there', 'a b', "it's", 'q"uote'],
  },
  { name: 'quotes inside a word join it', text: 'Exec=/bin/sh -c x"a b"y\n', command: ['/bin/sh', '-c', 'xa by'] },
  { name: 'an escaped space is part of the word', text: 'Exec=/bin/ls my\\ dir\n', command: ['/bin/ls', 'my dir'] },
  {
    name: 'a continued line, with a comment line inside, is one value',
    text: 'Exec=/bin/app \\\n# a note\n; another\n  --flag \\\n  value\n',
    command: ['/bin/app', '--flag', 'value'],
  },
  {
    name: 'an invalid escape is left out with a warning naming file:line; the rest is kept',
    text: 'Exec=echo a\\qb c\n',
    command: ['echo', 'ab', 'c'],
    warnings: [`${FILE}:3: Exec=: invalid escape \\q, left out`],
  },
  {
    name: 'a trailing lone backslash is an invalid escape too',
    text: 'Environment=A=1 B\\',
    exec: [['--env', 'A=1', '--env', 'B']],
    warnings: [`${FILE}:3: Environment=: invalid escape at the end (a lone backslash), left out`],
  },
  { name: 'an unbalanced quote is an error', text: 'Exec=echo "open\n', error: `${FILE}:3: Exec=: unbalanced quote "` },
  { name: 'a quoted environment value keeps its spaces', text: 'Environment="A=x y" B=2\n', exec: [['--env', 'A=x y', '--env', 'B=2']] },
  {
    name: 'Environment=KEY alone stays KEY, for the unit environment at start',
    text: 'Environment=FROM_UNIT A=1\n',
    exec: [['--env', 'FROM_UNIT', '--env', 'A=1']],
  },
  {
    name: 'an empty assignment empties a list key',
    text: 'Environment=A=1\nEnvironment=\nEnvironment=B=2\n',
    exec: [['--env', 'B=2']],
    notExec: ['A=1'],
  },
  {
    name: 'Environment= without a key is an error',
    text: 'Environment==x\n',
    error: `${FILE}:3: Environment=: "=x" is not KEY=VALUE or KEY`,
  },
  { name: 'a later single value wins', text: 'Pull=always\nPull=never\n', exec: [['--pull', 'never']] },
];

const BOOLEANS: Case[] = [
  ...['yes', 'true', 'on', '1', 'YES', 'True', 'On'].map((v) => ({
    name: `Notify=${v} is the container mode`,
    text: `Notify=${v}\n`,
    exec: [['--sdnotify', 'container']],
  })),
  ...['no', 'false', 'off', '0', 'NO', 'False', 'OFF'].map((v) => ({
    name: `Notify=${v} is conmon mode`,
    text: `Notify=${v}\n`,
    exec: [['--sdnotify', 'conmon']],
  })),
  { name: 'Notify=Healthy is healthy mode', text: 'Notify=Healthy\nHealthCmd=true\n', exec: [['--sdnotify', 'healthy']] },
  { name: 'Notify=maybe is an error', text: 'Notify=maybe\n', error: `${FILE}:3: Notify=maybe: expected true, false or healthy` },
];

const SPECIFIERS: Case[] = [
  { name: 'a path specifier counts as an absolute path', text: 'Volume=%h/data:/data:ro\n', exec: [['--volume', '%h/data:/data:ro']] },
  {
    name: 'a bundle under %h',
    text: '[Container]\nBundle=%h/bundles/web\n',
    exec: [['--bundle', '%h/bundles/web']],
    has: ['Unit|RequiresMountsFor|%h/bundles/web /run/ctrmon'],
  },
  {
    name: 'specifiers in the environment',
    text: 'Environment=UNIT=%n NAME=%N HOME_DIR=%h/x\n',
    exec: [['--env', 'UNIT=%n', '--env', 'NAME=%N', '--env', 'HOME_DIR=%h/x']],
  },
  {
    name: 'a name with an instance specifier reaches the unit and the journal identifier',
    text: 'ContainerName=web-%i\n',
    exec: [['web-%i']],
    has: ['Service|SyslogIdentifier|web-%i', 'Unit|Description|ctrmon container web-%i'],
  },
  { name: 'an image tag from the instance', text: '[Container]\nImage=quay.io/app:%i\n', exec: [['--image', 'quay.io/app:%i']] },
  {
    name: 'specifiers in the command and the health check',
    text: 'Exec=/bin/app --unit=%n --user=%u\nHealthCmd=test -e /run/%N.ok\n',
    exec: [
      ['--unit=%n', '--user=%u'],
      ['--health-cmd', '["/bin/sh","-c","test -e /run/%N.ok"]'],
    ],
  },
  { name: '%% is a literal %', text: 'Exec=echo 100%%\n', command: ['echo', '100%%'] },
  { name: 'an escaped % is a literal one, written %%', text: 'Exec=echo \\x25n\n', command: ['echo', '%%n'] },
  { name: 'a lone % is an error', text: 'Exec=echo 5%\n', error: `${FILE}:3: Exec=: a lone % ends the value; a literal % is written %%` },
  {
    name: 'an unknown specifier is an error',
    text: 'Exec=echo %Q\n',
    error: `${FILE}:3: Exec=: %Q is not a systemd specifier; a literal % is written %%`,
  },
  {
    name: 'a key read at generate time takes no specifier',
    text: 'StopTimeout=%i\n',
    error: `${FILE}:3: StopTimeout=%i: expected a duration`,
  },
  {
    name: 'a path normalised past its specifier is an error',
    text: 'Volume=%h/../x:/x\n',
    error: `${FILE}:3: Volume=%h/../x:/x: a specifier cannot be used here`,
  },
  {
    name: 'specifiers in [Unit] and [Service] pass through',
    text: '[Unit]\nDescription=web %i\n[Service]\nEnvironment=X=%n\n',
    has: ['Unit|Description|web %i', 'Service|Environment|X=%n'],
  },
];

const KNOWN = ['db.container', 'data.volume', 'net.network', 'base.image', 'side@.container', 'k.kube', 'p.pod', 'b.build'];
const DEPENDENCIES: Case[] = [
  {
    name: 'Quadlet files in dependencies name the units made of them',
    text:
      '[Unit]\nAfter=db.container network.target\nRequires=data.volume\nWants=net.network\nBindsTo=base.image\n' +
      'PartOf=k.kube\nUpholds=p.pod\nRequisite=b.build\nOnFailure=db.container\nBefore=db.container\nConflicts=db.container\n' +
      'OnSuccess=db.container\nPropagatesStopTo=db.container\nPropagatesReloadTo=db.container\n',
    known: KNOWN,
    has: [
      'Unit|After|db.service network.target',
      'Unit|Requires|data-volume.service',
      'Unit|Wants|net-network.service',
      'Unit|BindsTo|base-image.service',
      'Unit|PartOf|k.service',
      'Unit|Upholds|p-pod.service',
      'Unit|Requisite|b-build.service',
      'Unit|OnFailure|db.service',
      'Unit|Before|db.service',
      'Unit|Conflicts|db.service',
      'Unit|OnSuccess|db.service',
      'Unit|PropagatesStopTo|db.service',
      'Unit|PropagatesReloadTo|db.service',
    ],
  },
  { name: 'an instance of a known template', text: '[Unit]\nWants=side@a.container\n', known: KNOWN, has: ['Unit|Wants|side@a.service'] },
  {
    name: 'a systemd unit is left as written',
    text: '[Unit]\nAfter=local-fs.target  other.service\n',
    has: ['Unit|After|local-fs.target  other.service'],
  },
  {
    name: 'a dependency on a missing file is an error naming it',
    text: '[Unit]\nAfter=missing.container\n',
    known: KNOWN,
    error: `${FILE}:4: After=missing.container: there is no missing.container in the Quadlet search directories`,
  },
  {
    name: 'a key that names no units is not translated',
    text: '[Unit]\nDescription=see db.container\n',
    has: ['Unit|Description|see db.container'],
  },
];

const SERVICE: Case[] = [
  {
    name: "Restart= replaces ctrmon's",
    text: '[Service]\nRestart=always\n',
    has: ['Service|Restart|always'],
    count: { 'Service|Restart': 1 },
  },
  {
    name: "TimeoutStartSec= replaces ctrmon's",
    text: '[Service]\nTimeoutStartSec=20\n',
    has: ['Service|TimeoutStartSec|20'],
    count: { 'Service|TimeoutStartSec': 1 },
  },
  {
    name: "Description= replaces ctrmon's",
    text: '[Unit]\nDescription=my web\n',
    has: ['Unit|Description|my web'],
    count: { 'Unit|Description': 1 },
  },
  {
    name: 'SuccessExitStatus= adds to the stop signal status',
    text: '[Service]\nSuccessExitStatus=2\n',
    has: ['Service|SuccessExitStatus|143', 'Service|SuccessExitStatus|2'],
  },
  {
    name: 'After= adds to network-online.target',
    text: '[Unit]\nAfter=x.service\n',
    has: ['Unit|After|network-online.target', 'Unit|After|x.service'],
  },
  {
    name: 'list keys keep every line, an empty one too (systemd resets there)',
    text: '[Service]\nExecStartPre=/bin/a\nExecStartPre=\nExecStartPre=/bin/b\n',
    count: { 'Service|ExecStartPre': 3 },
    has: ['Service|ExecStartPre|/bin/b'],
  },
  { name: 'SyslogIdentifier= is the container name', text: 'ContainerName=webby\n', has: ['Service|SyslogIdentifier|webby'] },
  {
    name: "SyslogIdentifier= of the user's replaces it",
    text: '[Service]\nSyslogIdentifier=mine\n',
    has: ['Service|SyslogIdentifier|mine'],
    count: { 'Service|SyslogIdentifier': 1 },
  },
  {
    name: 'Type=oneshot: nobody notifies, no start timeout',
    text: 'Notify=true\n[Service]\nType=oneshot\n',
    has: ['Service|Type|oneshot'],
    lacks: ['Service|TimeoutStartSec', 'Service|NotifyAccess'],
    count: { 'Service|Type': 1 },
    exec: [['--sdnotify', 'ignore']],
  },
  {
    name: "Type=oneshot with the user's own start timeout",
    text: '[Service]\nType=oneshot\nTimeoutStartSec=5min\n',
    has: ['Service|TimeoutStartSec|5min'],
  },
  { name: "Type=notify is ctrmon's own", text: '[Service]\nType=notify\n', has: ['Service|Type|notify'], count: { 'Service|Type': 1 } },
  {
    name: 'another Type= is an error',
    text: '[Service]\nType=simple\n',
    error: `${FILE}:4: Type=simple: the unit is Type=notify, as the monitor needs it; only Type=oneshot`,
  },
  {
    name: 'ExecStart= is an error',
    text: '[Service]\nExecStart=/bin/x\n',
    error: `${FILE}:4: ExecStart= is ctrmon's (the monitor): the container's command is Exec= in [Container]`,
  },
  {
    name: 'KillMode=control-group is accepted',
    text: '[Service]\nKillMode=control-group\n',
    has: ['Service|KillMode|control-group'],
    count: { 'Service|KillMode': 1 },
  },
  {
    name: 'KillMode=process is an error',
    text: '[Service]\nKillMode=process\n',
    error: `${FILE}:4: KillMode=process: the monitor stops the container itself`,
  },
];

const MANAGERS: Case[] = [
  {
    name: 'the system manager waits for network-online.target',
    text: '',
    has: ['Unit|Wants|network-online.target', 'Unit|After|network-online.target'],
  },
  {
    name: "a user's manager has no network-online.target; its paths are the user's",
    text: '',
    host: USER,
    lacks: ['Unit|Wants', 'Unit|After'],
    has: ['Unit|RequiresMountsFor|/home/u/.local/share/ctrmon /run/user/1000/ctrmon'],
  },
];

const INSTALL: Case[] = [
  {
    name: 'WantedBy= with two units',
    text: '[Install]\nWantedBy=multi-user.target default.target\n',
    has: ['Install|WantedBy|multi-user.target', 'Install|WantedBy|default.target'],
  },
  { name: 'Alias= another service', text: '[Install]\nAlias=www.service\n', has: ['Install|Alias|www.service'] },
  {
    name: 'Alias= in a directory is an error',
    text: '[Install]\nAlias=foo/bar.service\n',
    error: `${FILE}:4: Alias=foo/bar.service: expected a unit name, without a directory`,
  },
  {
    name: 'Alias= of another type is an error',
    text: '[Install]\nAlias=www.socket\n',
    error: `${FILE}:4: Alias=www.socket: an alias of a service is another name.service`,
  },
  {
    name: 'WantedBy= a path is an error',
    text: '[Install]\nRequiredBy=/etc/x.target\n',
    error: `${FILE}:4: RequiredBy=/etc/x.target: expected a unit name`,
  },
];

const REFUSED: Case[] = [
  ...Object.entries(REFUSED_CONTAINER_KEYS).map(([key, reason]) => ({
    name: `${key}= is refused with its reason`,
    text: `${key}=x\n`,
    error: `${FILE}:3: ${key}= is not supported: ${reason}`,
  })),
  {
    name: 'an unknown key is still an unknown key',
    text: 'NoSuchKey=1\n',
    error: `${FILE}:3: unsupported key NoSuchKey= in [Container] (supported: `,
  },
  {
    name: 'a malformed PublishPort= names the port',
    text: 'PublishPort=80:http\n',
    error: `${FILE}:3: PublishPort=: container port "http" is not a port`,
  },
  {
    name: 'PublishPort= with Network=host is refused: the host has no ports to map',
    text: 'Network=host\nPublishPort=8080:80\n',
    error: `${FILE}: --publish "8080:80": needs a network of its own to map (--network host)`,
  },
];

const NETWORKS: Case[] = [
  {
    name: 'PublishPort= without Network= gets the default bridge, as podman gives it',
    text: 'PublishPort=8080:80\nPublishPort=127.0.0.1:5353:53/udp\n',
    exec: [
      ['--network', 'bridge'],
      ['--publish', '8080:80', '--publish', '127.0.0.1:5353:53/udp'],
    ],
  },
  {
    name: "the network keys become the monitor's options",
    text:
      'Network=appnet\nIP=10.89.0.7\nNetworkAlias=db database\nDNS=10.0.0.53\nDNSSearch=example.org\nDNSOption=ndots:2\n' +
      'AddHost=gw:host-gateway\nExposeHostPort=9000-9001/udp\nHostName=db1\n',
    exec: [
      ['--network', 'appnet'],
      ['--expose', '9000-9001/udp'],
      ['--ip', '10.89.0.7'],
      ['--network-alias', 'db', '--network-alias', 'database'],
      ['--dns', '10.0.0.53', '--dns-search', 'example.org', '--dns-option', 'ndots:2'],
      ['--add-host', 'gw:host-gateway'],
    ],
  },
  {
    name: 'Network=container:x is refused with the reason',
    text: 'Network=container:db\n',
    error: `${FILE}:3: Network=container:db: a unit's container would join a namespace that another unit's restart`,
  },
];

describe('.container files and the units they give', () => {
  for (const [group, cases] of Object.entries({
    SYNTAX,
    BOOLEANS,
    SPECIFIERS,
    DEPENDENCIES,
    SERVICE,
    MANAGERS,
    INSTALL,
    REFUSED,
    NETWORKS,
  })) {
    describe(group.toLowerCase(), () => {
      for (const c of cases) test(c.name, () => check(c));
    });
  }
});

describe('the translation around the table', () => {
  test('drop-in entries: an error names the drop-in file and line', () => {
    const entries = [
      ...parseUnitFile(`[Container]\n${BUNDLE}\n`, FILE),
      ...parseUnitFile('[Container]\nPodmanArgs=--x\n', `${FILE}.d/10-more.conf`),
    ];
    assert.throws(() => containerToUnit(FILE, entries, 'test', SYSTEM, COMMAND), {
      message: new RegExp(`^${FILE}\\.d/10-more\\.conf:2: PodmanArgs= is not supported`),
    });
  });

  test('no refused key is also accepted', () => {
    const accepted = new Set(['ContainerName', 'Exec', ...MONITOR_FLAGS.flatMap((f) => Object.keys(f.containerKeys ?? {}))]);
    assert.deepEqual(
      Object.keys(REFUSED_CONTAINER_KEYS).filter((k) => accepted.has(k)),
      [],
    );
  });

  test('ctrmon.container(5) lists exactly the refused keys, under REFUSED KEYS', () => {
    const page = readFileSync(packagePath('docs', 'man', 'ctrmon.container.5'), 'utf8');
    const section = page.slice(page.indexOf('.SH "REFUSED KEYS"'), page.indexOf('.SH', page.indexOf('.SH "REFUSED KEYS"') + 1));
    const listed = [...section.matchAll(/^\.TP\n\\fB([A-Za-z0-9]+)=\\fR$/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), Object.keys(REFUSED_CONTAINER_KEYS).sort());
  });

  test('the generator makes nothing of a file with a bad Alias=, and still makes the others', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-quadlet-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const search = path.join(dir, 'search');
    const out = path.join(dir, 'out');
    mkdirSync(search);
    writeFileSync(
      path.join(search, 'bad.container'),
      `[Container]\n${BUNDLE}\n[Install]\nWantedBy=multi-user.target\nAlias=foo/bar.service\n`,
    );
    writeFileSync(
      path.join(search, 'good.container'),
      `[Container]\n${BUNDLE}\n[Unit]\nAfter=bad.container\n[Install]\nWantedBy=multi-user.target\n`,
    );
    const result = generateUnits(
      { ...SYSTEM, paths: { ...SYSTEM.paths, searchDirs: [{ path: search, podman: false }] } },
      out,
      'test',
      COMMAND,
    );
    assert.deepEqual(result.written, ['good.service']);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0], /bad\.container:5: Alias=foo\/bar\.service: expected a unit name, without a directory/);
    assert.deepEqual(readdirSync(out).sort(), ['good.service', 'multi-user.target.wants']);
    assert.deepEqual(readdirSync(path.join(out, 'multi-user.target.wants')), ['good.service']);
    assert.equal(existsSync(path.join(out, 'foo')), false);
    assert.match(readFileSync(path.join(out, 'good.service'), 'utf8'), /^After=bad\.service$/m);
  });

  test('generate systemd accepts --new (its units always make the container)', () => {
    const r = spawnSync(process.execPath, [CTRMON, 'generate', 'systemd', '--new', '--bundle', '/srv/web', 'web'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^SyslogIdentifier=web$/m);
  });
});
