// The benchmark's report: the JSON record, the headline ratios (ctrmon ÷ anchor, from the same
// run: absolute numbers vary by machine, ratios much less) and the Markdown table.
import type { AutoUpdateReport } from './auto-update';
import { type Footprint, GENERATOR_FILES } from './footprint';
import type { FloodResult, IdleCost, MemoryPerMonitor } from './direct-measurements';
import type { Machine } from './machine';
import type { NetworkReport } from './network';
import type { SocketActivationReport } from './socket-activation';
import type { Summary } from './stats';

export interface Ratio {
  metric: string;
  ctrmon: number;
  anchor: number;
  anchorName: string;
  unit: string;
  /** ctrmon ÷ anchor */
  ratio: number;
  target: string;
  met: boolean | null;
}

export interface BenchReport {
  version: number;
  date: string;
  machine: Machine;
  ctrmonCommand: string;
  settings: Record<string, number | string>;
  /** What could not be measured here, and why. */
  skipped: Record<string, string>;
  serviceManager: string | null;
  startToActive: Record<string, Summary & { failures: string[] }>;
  stop: Record<string, Summary>;
  /** READY=1 sent as the application starts: one sample per container start. */
  readyLatency: Record<string, Summary & { lost: number }>;
  /** WATCHDOG=1 every 10 ms once the monitor has been up for 2 s. */
  steadyLatency: Record<string, Summary & { lost: number }>;
  /** By containers per monitor ("1", "10"), then monitor. */
  memory: Record<string, Record<string, MemoryPerMonitor>>;
  idle: Record<string, IdleCost>;
  flood: Record<string, FloodResult>;
  /** (g) A cold pull and unpack of one ~100 MB, five-layer image, seconds, by candidate. */
  pull: Record<string, Summary>;
  pullPeakRssMb: number | null;
  /** (i) `ctrmon auto-update` vs `podman auto-update`: wall clock of each command, ms, by row then tool. */
  autoUpdate: AutoUpdateReport | null;
  /** (j) The first connection to a socket-activated service: connect until the first byte, ms, by candidate. */
  socketActivation: SocketActivationReport | null;
  /** (k) Bundle sizes and the generator's run time, by build. */
  footprint: Footprint | null;
  /** (l) Published ports: start-to-active, the first request and stop of a bridged server, ms, by candidate. */
  network?: NetworkReport | null;
  ratios: Record<string, Ratio>;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (kb: number) => round(kb / 1024, 1);

export function headlineRatios(r: BenchReport): Record<string, Ratio> {
  const out: Record<string, Ratio> = {};
  const add = (
    key: string,
    metric: string,
    ctrmon: number | undefined,
    anchor: number | undefined,
    anchorName: string,
    unit: string,
    target: string,
    met: (ratio: number, ctrmon: number) => boolean | null,
  ) => {
    if (ctrmon === undefined || anchor === undefined || !Number.isFinite(ctrmon) || !Number.isFinite(anchor)) return;
    const ratio = anchor === 0 ? (ctrmon === 0 ? 1 : Infinity) : ctrmon / anchor;
    out[key] = {
      metric,
      ctrmon: round(ctrmon, 3),
      anchor: round(anchor, 3),
      anchorName,
      unit,
      ratio: round(ratio, 3),
      target,
      met: met(ratio, ctrmon),
    };
  };
  const s = r.startToActive;
  add('startVsPodman', 'start-to-active, median', s.ctrmon?.median, s.podman?.median, 'podman + conmon', 'ms', '<= 0.8x', (x) => x <= 0.8);
  const bare = Object.keys(s).find((k) => k !== 'ctrmon' && k !== 'podman');
  if (bare)
    add(
      'startVsRuntime',
      'start-to-active, median',
      s.ctrmon?.median,
      s[bare]?.median,
      `bare ${bare} (the floor)`,
      'ms',
      'information',
      () => null,
    );
  add('stopVsPodman', 'stop, median', r.stop.ctrmon?.median, r.stop.podman?.median, 'podman + conmon', 'ms', 'information', () => null);
  add(
    'readyP50',
    'READY relay latency at start, p50',
    r.readyLatency.ctrmon?.median,
    r.readyLatency.conmon?.median,
    'conmon',
    'ms',
    'information',
    () => null,
  );
  add(
    'readyP99',
    'READY relay latency at start, p99',
    r.readyLatency.ctrmon?.p99,
    r.readyLatency.conmon?.p99,
    'conmon',
    'ms',
    '<= 1x',
    (x) => x <= 1,
  );
  add(
    'steadyP50',
    'relay latency in steady state, p50',
    r.steadyLatency.ctrmon?.median,
    r.steadyLatency.conmon?.median,
    'conmon',
    'ms',
    'information',
    () => null,
  );
  add(
    'steadyP99',
    'relay latency in steady state, p99',
    r.steadyLatency.ctrmon?.p99,
    r.steadyLatency.conmon?.p99,
    'conmon',
    'ms',
    '<= 1x',
    (x) => x <= 1,
  );
  const m10 = r.memory['10'];
  add(
    'privateMemory',
    'private memory per monitor, 10 containers',
    m10?.ctrmon && mb(m10.ctrmon.perMonitor.privateKb),
    m10?.conmon && mb(m10.conmon.perMonitor.privateKb),
    'conmon',
    'MB',
    'ctrmon <= 8 MB',
    (_x, c) => c <= 8,
  );
  add(
    'pss',
    'PSS per monitor, 10 containers',
    m10?.ctrmon && mb(m10.ctrmon.perMonitor.pssKb),
    m10?.conmon && mb(m10.conmon.perMonitor.pssKb),
    'conmon',
    'MB',
    'information',
    () => null,
  );
  add(
    'idleWakeups',
    `context switches of an idle monitor in ${r.settings.idleSeconds} s`,
    r.idle.ctrmon?.contextSwitches,
    r.idle.conmon?.contextSwitches,
    'conmon',
    'count',
    'ctrmon = 0',
    (_x, c) => c === 0,
  );
  add(
    'floodRate',
    'flood: datagrams relayed per second',
    r.flood.ctrmon?.relayedPerSecond,
    r.flood.conmon?.relayedPerSecond,
    'conmon',
    '/s',
    'information',
    () => null,
  );
  add(
    'floodBlock',
    'flood: longest sender block',
    r.flood.ctrmon?.maxBlockMs,
    r.flood.conmon?.maxBlockMs,
    'conmon',
    'ms',
    'the sender never stalls (a 1 s send timeout)',
    () => (r.flood.ctrmon ? !r.flood.ctrmon.stalled : null),
  );
  const p = r.pull;
  add(
    'pullVsSkopeo',
    'pull + unpack, median',
    p.ctrmon?.median,
    p['skopeo+umoci']?.median,
    'skopeo copy + umoci unpack',
    's',
    '<= 0.7x',
    (x) => x <= 0.7,
  );
  add('pullVsPodman', 'pull + unpack, median', p.ctrmon?.median, p.podman?.median, 'podman pull', 's', '<= 1x', (x) => x <= 1);
  if (r.pullPeakRssMb !== null) {
    add('pullRss', 'peak RSS of a pull', r.pullPeakRssMb, 150, 'the 150 MB budget', 'MB', '<= 150 MB', (_x, c) => c <= 150);
  }
  const image = s['ctrmon-image']?.median;
  if (image !== undefined && s.ctrmon) {
    add(
      'startImage',
      'start-to-active from a cached image, median',
      image,
      s.ctrmon.median,
      'ctrmon from a bundle',
      'ms',
      '<= bundle + 15 ms',
      (_x, c) => c <= s.ctrmon.median + 15,
    );
  }
  const keys = s['ctrmon-keys']?.median;
  if (keys !== undefined && s.ctrmon) {
    add(
      'startWithKeys',
      'a monitor with ten keys costs no more start time than one without: start-to-active, median',
      keys,
      s.ctrmon.median,
      'ctrmon with no keys',
      'ms',
      '<= 1.05x',
      (x) => x <= 1.05,
    );
  }
  const au = r.autoUpdate?.rows;
  if (au) {
    add(
      'autoUpdateCheck',
      `auto-update, ${r.autoUpdate?.units} units, nothing new, median`,
      au.check.ctrmon?.median,
      au.check.podman?.median,
      'podman auto-update',
      'ms',
      '<= 0.5x',
      (x) => x <= 0.5,
    );
    add(
      'autoUpdateUpdate',
      `auto-update to a new image until active (ctrmon --soak ${r.autoUpdate?.ctrmonSoak}), median`,
      au.update.ctrmon?.median,
      au.update.podman?.median,
      'podman auto-update',
      'ms',
      '<= 0.8x',
      (x) => x <= 0.8,
    );
    add(
      'autoUpdateRollback',
      'auto-update with a crashing image, until rolled back, median',
      au.rollback.ctrmon?.median,
      au.rollback.podman?.median,
      'podman auto-update',
      'ms',
      '<= 1x',
      (x) => x <= 1,
    );
  }
  const sa = r.socketActivation?.firstByte;
  if (sa) {
    add(
      'socketVsPodman',
      'first connection to a socket-activated service, connect until the first byte, median',
      sa.ctrmon?.median,
      sa.podman?.median,
      'podman + conmon',
      'ms',
      'information',
      () => null,
    );
    const bareSocket = r.socketActivation?.runtime;
    if (bareSocket && sa[bareSocket])
      add(
        'socketVsRuntime',
        'first connection to a socket-activated service, connect until the first byte, median',
        sa.ctrmon?.median,
        sa[bareSocket]?.median,
        `bare ${bareSocket} (the floor)`,
        'ms',
        'information',
        () => null,
      );
  }
  const net = r.network;
  if (net) {
    const bridge = net.startToActive['ctrmon-bridge']?.median;
    const host = net.startToActive['ctrmon-host']?.median;
    add(
      'networkStartVsPodman',
      'published port: start-to-active on the bridge, median',
      bridge,
      net.startToActive['podman-bridge']?.median,
      'podman run -p',
      'ms',
      '<= 0.8x',
      (x) => x <= 0.8,
    );
    add(
      'networkStartVsHost',
      `published port: start-to-active on the bridge, median (the bridge costs ${signedMs((bridge ?? NaN) - (host ?? NaN))})`,
      bridge,
      host,
      'ctrmon --network host',
      'ms',
      'information',
      () => null,
    );
    for (const [key, metric, times] of [
      ['networkFirstRequestVsPodman', 'published port: systemctl start until the first HTTP answer, median', net.firstRequest],
      ['networkStopVsPodman', 'published port: stop, median', net.stop],
    ] as const)
      add(key, metric, times['ctrmon-bridge']?.median, times['podman-bridge']?.median, 'podman run -p', 'ms', 'information', () => null);
  }
  const fp = r.footprint;
  if (fp?.bundleBytes['ctrmon-baseline']) {
    const kb = (n: number | undefined) => (n === undefined ? undefined : round(n / 1024, 1));
    add(
      'monitorBundle',
      'monitor bundle size',
      kb(fp.bundleBytes.ctrmon?.monitor),
      kb(fp.bundleBytes['ctrmon-baseline'].monitor),
      'the baseline build',
      'KiB',
      'information',
      () => null,
    );
    add(
      'generatorStart',
      'systemd generator run, median',
      fp.generatorMs.ctrmon?.median,
      fp.generatorMs['ctrmon-baseline']?.median,
      'the baseline build',
      'ms',
      'information',
      () => null,
    );
    if (fp.generatorFilesMs)
      add(
        'generatorFiles',
        `systemd generator over ${GENERATOR_FILES} .container files, median`,
        fp.generatorFilesMs.ctrmon?.median,
        fp.generatorFilesMs['ctrmon-baseline']?.median,
        'the baseline build',
        'ms',
        'information',
        () => null,
      );
  }
  return out;
}

function footprintSection(r: BenchReport): string[] {
  const fp = r.footprint;
  if (fp === null) return [];
  const roles = ['monitor', 'generator', 'update', 'cli'] as const;
  return [
    '## Footprint: product bundles and the systemd generator, by build',
    '',
    'Bundle sizes in KiB (bin/ctrmon.js loads one per command: the monitor, the generator, auto-update and rollback, every other ' +
      "command); the generator executable run as systemd runs it (into an empty output directory, this host's search " +
      `directories), exec until exit, ms, ${r.settings.generatorRuns} runs per build, interleaved.`,
    '',
    table(
      ['build', ...roles.map((x) => `${x} KiB`), 'generator min', 'generator median', 'generator p90'],
      Object.entries(fp.bundleBytes).map(([build, sizes]) => {
        const g = fp.generatorMs[build];
        return [build, ...roles.map((x) => f(sizes[x] === undefined ? undefined : sizes[x] / 1024)), f(g?.min), f(g?.median), f(g?.p90)];
      }),
    ),
    '',
    ...(fp.generatorFilesMs
      ? [
          `The generator over ${GENERATOR_FILES} .container files (half bundles, half images), ms, interleaved: the files are put ` +
            "into a temporary /run/ctrmon/systemd, the one directory every build reads (the baseline reads only ctrmon's own " +
            'directories, without subdirectories), and removed afterwards.',
          '',
          table(
            ['build', 'min', 'median', 'p90'],
            Object.entries(fp.generatorFilesMs).map(([build, g]) => [build, f(g.min), f(g.median), f(g.p90)]),
          ),
          '',
        ]
      : []),
  ];
}

const AUTO_UPDATE_ROW_TEXT: Record<string, string> = {
  check: 'check, nothing new',
  update: 'update until active on the new image',
  rollback: 'crashing image, until rolled back',
};

function autoUpdateSection(r: BenchReport): string[] {
  const a = r.autoUpdate;
  if (a === null) return [];
  return [
    `## Auto-update: \`ctrmon auto-update\` vs \`podman auto-update\`, wall clock of the command, ms (${a.rounds} rounds each, after a warm-up)`,
    '',
    `Both inside one private systemd, against one docker-registry on loopback, on equivalent units (${a.runtime}, ` +
      "`--sdnotify=container`, registry policy): the units `ctrmon generate systemd` writes, and podman's as " +
      '`podman generate systemd --new` writes them (`podman run --sdnotify=container`, its own store). ' +
      `Check: ${a.units} units per tool, nothing new in the registry. Update: one unit per tool, a new image pushed; ` +
      `ctrmon runs with \`--soak ${a.ctrmonSoak}\` in this row and the next, as podman has no soak window (its restart ` +
      'job is done at READY); both return with the unit active on the new image. Rollback: an image whose command exits 1 ' +
      'at once (a new one each round: ctrmon quarantines a bad digest); both return with the unit active on the old ' +
      'image ("rolled back": ctrmon exits 2, podman 0). Every run is checked (statuses, exit code, the digest running, ' +
      'ActiveState); a run that is not right counts as a failure, not a sample. The units carry `StartLimitIntervalSec=0` ' +
      `(the rounds restart them faster than systemd's default rate limit allows). The section took ${a.seconds} s.`,
    '',
    table(
      ['row', 'tool', 'samples', 'min', 'median', 'max', 'all samples', 'failures'],
      Object.entries(a.rows).flatMap(([row, byTool]) =>
        Object.entries(byTool).map(([tool, s]) => [
          AUTO_UPDATE_ROW_TEXT[row] ?? row,
          tool,
          s.n,
          f(s.min),
          f(s.median),
          f(s.max),
          s.samples.map((x) => Math.round(x)).join(', '),
          s.failures.length ? s.failures.map((x) => x.replace(/\|/g, '\\|')).join('; ') : 0,
        ]),
      ),
    ),
    '',
    ...Object.entries(a.rows).flatMap(([row, byTool]) => {
      const t = byTool.ctrmon?.engineTimings;
      if (!t) return [];
      const parts = Object.entries(t).map(([k, v]) => `${k} ${v}`);
      return [
        `- ctrmon's own timings, ${AUTO_UPDATE_ROW_TEXT[row] ?? row} (its JSON report, summed over units, median ms): ${parts.join(', ')}`,
      ];
    }),
    '',
  ];
}

function socketActivationSection(r: BenchReport): string[] {
  const a = r.socketActivation;
  if (a === null) return [];
  return [
    `## Socket activation: the first connection, connect until the first byte of the answer, ms (${a.rounds} rounds each, interleaved, after a warm-up)`,
    '',
    `A \`.socket\` unit (\`ListenStream=127.0.0.1:PORT\`, \`Accept=no\`) listens and its service is stopped; a client in ` +
      `the manager's network namespace (${a.serviceManager}) connects, systemd starts the service and queues the ` +
      "connection, the container's server (the demo rootfs's `/bin/hello`) accepts it on fd 3 and answers one line. " +
      `The same container on ${a.runtime} as the main PID (the floor), under \`podman run --sdnotify=container\` as ` +
      '`podman generate systemd --new` writes it (podman passes the sockets through conmon), and under the units ' +
      '`ctrmon generate systemd --socket` writes. Every round is checked (the answer, the unit active, the socket listening ' +
      `again after \`systemctl stop\`); a round that is not right is a failure, not a sample. The section took ${a.seconds} s.`,
    '',
    table(
      ['main PID', 'samples', 'min', 'median', 'p90', 'max', 'longest connect', 'all samples', 'failures'],
      Object.entries(a.firstByte).map(([name, s]) => [
        name,
        s.n,
        f(s.min),
        f(s.median),
        f(s.p90),
        f(s.max),
        s.maxConnectMs === null ? '-' : f(s.maxConnectMs, 2),
        s.samples.map((x) => Math.round(x)).join(', '),
        s.failures.length ? s.failures.map((x) => x.replace(/\|/g, '\\|')).join('; ') : 0,
      ]),
    ),
    '',
  ];
}

function networkSection(r: BenchReport): string[] {
  const a = r.network;
  if (!a) return [];
  const stats = (s: Summary | undefined) => [f(s?.min), f(s?.median), f(s?.p90)];
  const cost = (tool: string) => {
    const delta = (m: Record<string, Summary>) => signedMs((m[`${tool}-bridge`]?.median ?? NaN) - (m[`${tool}-host`]?.median ?? NaN));
    return `${tool} start-to-active ${delta(a.startToActive)}, first request ${delta(a.firstRequest)}, stop ${delta(a.stop)}`;
  };
  return [
    `## Published ports: a bridged HTTP server, start-to-active, first request and stop, ms (${a.rounds} rounds each, interleaved, after a warm-up)`,
    '',
    `Under ${a.serviceManager}, with a network namespace of its own (the bridges and iptables rules are made there, never on ` +
      `the host); busybox httpd in the demo rootfs, READY=1 once it listens, gone at once on SIGTERM; ${a.runtime}. ` +
      '`ctrmon-bridge`: the unit `ctrmon generate systemd` writes, `--network bridge --publish HOST:8080`; `ctrmon-host`: the ' +
      'same with `--network host`; `podman-bridge`: `podman run --sdnotify=container -p HOST:8080` as `podman generate systemd ' +
      "--new` writes it (podman's default network, netavark); `podman-host`: the same with `--network host`. Start-to-active: " +
      '`systemctl start` until it returns with the unit active, then one request through the port must answer. First request: ' +
      'a separate start, from before `systemctl start` until the first complete answer, a connection tried every 2 ms inside the ' +
      'namespace; beside it, when `systemctl start` returned in those cycles, and how many connections were closed without an ' +
      'answer (accepted by a holder of the host port before the forwarding rules were there). Stop: `systemctl stop` until ' +
      'inactive. A cycle that is not right is a failure, not a sample. ' +
      `The section took ${a.seconds} s.`,
    '',
    table(
      [
        'main PID',
        'start min',
        'start median',
        'start p90',
        'first request min',
        'first request median',
        'first request p90',
        'start returned (polled), median',
        'answer after start returned, median',
        'unanswered connections, median',
        'stop min',
        'stop median',
        'stop p90',
        'failures',
      ],
      Object.keys(a.startToActive).map((name) => {
        const failures = [...a.startToActive[name].failures, ...(a.firstRequest[name]?.failures ?? [])];
        return [
          name,
          ...stats(a.startToActive[name]),
          ...stats(a.firstRequest[name]),
          f(a.firstRequest[name]?.startReturnedMedianMs ?? undefined),
          f(a.firstRequest[name]?.afterStartMedianMs ?? undefined),
          f(a.firstRequest[name]?.unansweredMedian ?? undefined),
          ...stats(a.stop[name]),
          failures.length ? failures.map((x) => x.replace(/\|/g, '\\|')).join('; ') : 0,
        ];
      }),
    ),
    '',
    `The network's own cost (bridge - host, medians): ${cost('ctrmon')}; ${cost('podman')}.`,
    '',
    a.leftovers.length
      ? `**Left behind:** ${a.leftovers.join('; ')}.`
      : "Left behind: nothing (in the lab after every stop: iptables rules, veths, bridges, network namespaces, leases, units, ctrmon's " +
        'network records and /run/ctrmon/systemd; on the host at the end: iptables rules, links, network namespaces).',
    '',
  ];
}

function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const signedMs = (ms: number) => (Number.isFinite(ms) ? `${ms < 0 ? '-' : '+'}${round(Math.abs(ms), 1)} ms` : '-');
const f = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '-' : String(round(n, digits)));

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const lines: string[] = [
    '# ctrmon benchmark',
    '',
    `Run ${r.date} on ${m.hostname}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, ` +
      `kernel ${m.kernel}, Node ${m.node}, cgroups ${m.cgroups}, PID 1 ${m.pid1}. ` +
      `systemd: ${r.serviceManager ?? 'none'}. Anchors: ${Object.entries(m.tools)
        .map(([k, v]) => `${k} (${v})`)
        .join(', ')}.`,
    '',
    `ctrmon runs as: \`${r.ctrmonCommand}\``,
    '',
    '## Headline: ctrmon ÷ anchor, same run',
    '',
    table(
      ['metric', 'ctrmon', 'anchor', 'ratio', 'target', 'met'],
      Object.values(r.ratios).map((x) => [
        x.metric,
        `${x.ctrmon} ${x.unit}`,
        `${x.anchor} ${x.unit} (${x.anchorName})`,
        `${x.ratio}x`,
        x.target,
        x.met === null ? '' : x.met ? 'yes' : '**no**',
      ]),
    ),
    '',
    `## Start-to-active: \`systemctl start\` until active, ms (${r.settings.starts} cycles each, interleaved)`,
    '',
    table(
      ['main PID', 'min', 'median', 'p90', 'max', 'failures'],
      Object.entries(r.startToActive).map(([k, s]) => [k, f(s.min), f(s.median), f(s.p90), f(s.max), s.failures.length]),
    ),
    '',
    '## Stop: `systemctl stop` until inactive, ms',
    '',
    table(
      ['main PID', 'min', 'median', 'p90', 'max'],
      Object.entries(r.stop).map(([k, s]) => [k, f(s.min), f(s.median), f(s.p90), f(s.max)]),
    ),
    '',
    '## Relay latency: container send until arrival at the listener, ms (conmon run directly, no podman)',
    '',
    `READY at start: the application sends READY=1 as soon as it runs, ${r.settings.readyRuns} container starts per monitor. ` +
      'Steady state: WATCHDOG=1 every 10 ms once the monitor has been up 2 s, ' +
      `${r.settings.relayRounds} x ${r.settings.relayMessages} messages.`,
    '',
    table(
      ['measure', 'monitor', 'samples', 'p50', 'p90', 'p99', 'max', 'lost'],
      [
        ...Object.entries(r.readyLatency).map(([k, s]) => [
          'READY at start',
          k,
          s.n,
          f(s.median, 3),
          f(s.p90, 3),
          f(s.p99, 3),
          f(s.max, 3),
          s.lost,
        ]),
        ...Object.entries(r.steadyLatency).map(([k, s]) => [
          'steady state',
          k,
          s.n,
          f(s.median, 3),
          f(s.p90, 3),
          f(s.p99, 3),
          f(s.max, 3),
          s.lost,
        ]),
      ],
    ),
    '',
    '## Memory per monitor (smaps_rollup), MB',
    '',
    table(
      ['containers', 'monitor', 'RSS', 'PSS', 'private', 'threads'],
      Object.entries(r.memory).flatMap(([count, byKind]) =>
        Object.entries(byKind).map(([k, v]) => [
          count,
          k,
          f(mb(v.perMonitor.rssKb)),
          f(mb(v.perMonitor.pssKb)),
          f(mb(v.perMonitor.privateKb)),
          v.threads,
        ]),
      ),
    ),
    '',
    `## Idle cost over ${r.settings.idleSeconds} s (container idle, no notify traffic)`,
    '',
    table(
      ['monitor', 'CPU ms', 'context switches (wake-ups)', 'threads'],
      Object.entries(r.idle).map(([k, v]) => [k, f(v.cpuMs), v.contextSwitches, v.threads]),
    ),
    '',
    `## Notify flood: ${r.settings.floodCount} WATCHDOG=1 datagrams from a blocking sender`,
    '',
    table(
      ['monitor', 'sent', 'relayed', 'relayed/s', 'longest sender block, ms', 'sender stalled'],
      Object.entries(r.flood).map(([k, v]) => [k, v.sent, v.relayed, v.relayedPerSecond, f(v.maxBlockMs, 2), v.stalled ? '**yes**' : 'no']),
    ),
    '',
    '## Pull and unpack: one ~100 MB, five-layer image from a registry on loopback, cold each time, s',
    '',
    table(
      ['tool', 'min', 'median', 'max'],
      Object.entries(r.pull).map(([k, v]) => [k, f(v.min, 2), f(v.median, 2), f(v.max, 2)]),
    ),
    '',
    r.pullPeakRssMb === null ? '' : `ctrmon's peak RSS during its pulls: ${r.pullPeakRssMb} MB.`,
    '',
    ...autoUpdateSection(r),
    ...socketActivationSection(r),
    ...networkSection(r),
    ...footprintSection(r),
  ];
  if (Object.keys(r.skipped).length) {
    lines.push('## Skipped', '', ...Object.entries(r.skipped).map(([k, why]) => `- ${k}: ${why}`), '');
  }
  return lines.join('\n');
}
