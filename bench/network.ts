// (l) Published ports: a container serving HTTP with one port published on a netavark bridge, under a
// private systemd with a network namespace of its own (bridges, veths and iptables rules are made
// and torn down there, never on the host; the section checks both afterwards). Main PIDs, the same
// image and server (busybox httpd, READY=1 once it listens, gone at once on SIGTERM):
//   ctrmon-bridge  the unit `ctrmon generate systemd` writes, `--network bridge --publish HOST:8080`
//   ctrmon-host    the same unit with `--network host`, the server on the host port itself: what the
//                  network costs ctrmon
//   podman-bridge  `podman run --sdnotify=container -p HOST:8080` as `podman generate systemd --new`
//                  writes it (podman's default network, netavark, its own store)
//   podman-host    the same with `--network host`: what the network costs podman
// Two cycles per candidate and round, the candidates taking turns in a rotating order after a warm-up
// round: (1) `systemctl start` until it returns with the unit active, one request through the port
// (it must answer at once: READY came after the server listened), `systemctl stop` until inactive;
// (2) the first request: one node process inside the namespace takes the time, runs `systemctl
// start` and meanwhile starts a connection to the port every 2 ms (each sends a GET and waits up to
// 2 s); from before the start until the first complete 200 answer with the server's body.
// After every stop, what the lab holds is checked (iptables rules, veths, bridges, network
// namespaces, leases, units, ctrmon's network records and /run/ctrmon/systemd), and at the end the
// host's iptables rules, links and network namespaces against what they were before.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import { errorMessage } from '../src/errors';
import type { Bundle } from '../src/spec/bundle';
import type { ResolvedRuntime } from '../src/runtime/resolve';
import { networkFootprint, networkSkipReason } from '../test/lab/network-host';
import { PrivateSystemd, privateSystemdUnavailable } from '../test/lab/systemd/private-systemd';
import { RUNTIME_UNIT_DIR } from '../test/lab/systemd/service-manager';
import { runClient, tail } from './namespace-client';
import { podmanMissing, podmanUnit, sectionPodmanStore } from './podman-store';
import { type ServiceCandidate, ctrmonUnit, measureServices } from './service-latency';
import { type Summary, summarize } from './stats';

const CONTAINER_PORT = 8080;
/** The host port of the first candidate; the others follow. */
const FIRST_HOST_PORT = 18480;
const STATE_DIR = '/run/ctrmon';
/** How many stops that left something behind are described (the rest are counted). */
const MAX_LEFTOVERS_NOTED = 5;
/** How long the first-request client waits for the start and an answer, ms. */
const CLIENT_TIMEOUT_MS = 30_000;

export interface FirstRequestSamples extends Summary {
  /** From before `systemctl start` until the first answer, ms, in round order. */
  samples: number[];
  /** `systemctl start` until it returned, in these cycles (the client polling meanwhile), median, ms. */
  startReturnedMedianMs: number | null;
  /** The answer's time after `systemctl start` returned (negative: before), median, ms. */
  afterStartMedianMs: number | null;
  /** Connections closed without an answer (accepted by a holder of the host port, not the server), median per cycle. */
  unansweredMedian: number | null;
  failures: string[];
}

export interface NetworkReport {
  rounds: number;
  runtime: string;
  serviceManager: string;
  /** The whole section, set-up included, s. */
  seconds: number;
  /** By candidate (ctrmon-bridge, ctrmon-host, podman-bridge, podman-host). */
  startToActive: Record<string, Summary & { failures: string[] }>;
  stop: Record<string, Summary>;
  firstRequest: Record<string, FirstRequestSamples>;
  /** What the section left behind in the lab or on the host: empty when every run tore down. */
  leftovers: string[];
}

export interface NetworkMeasurements extends NetworkReport {
  skipped: Record<string, string>;
}

interface Candidate extends ServiceCandidate {
  /** The host port that answers. */
  port: number;
  /** What the server answers. */
  body: string;
}

/**
 * busybox httpd serving its name on port, under sh as PID 1 (httpd as PID 1 ignores SIGTERM): httpd
 * returns once it listens, then READY=1; SIGTERM ends the shell, and with it the container, at once.
 */
function server(body: string, port: number): string[] {
  return [
    '/bin/sh',
    '-c',
    `trap 'exit 0' TERM; mkdir -p /tmp/w; echo ${body} >/tmp/w/index.html; httpd -p ${port} -h /tmp/w && sdnotify -q READY=1; ` +
      'sleep 2147483647 & wait',
  ];
}

// Run inside the manager's namespaces: see the head of this file. Prints one JSON line.
const CLIENT = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [unit, port, expected, timeoutMs] = process.argv.slice(1);
const t0 = process.hrtime.bigint();
const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
const out = { startMs: null, startCode: null, startError: '', firstMs: null, attempts: 0, unanswered: 0, error: null };
let open = 0;
let poll = null;
const end = (error) => {
  if (error) out.error = error;
  else if (out.startMs === null || out.firstMs === null) return;
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
};
const start = spawn('systemctl', ['start', unit], { stdio: ['ignore', 'ignore', 'pipe'] });
start.stderr.on('data', (d) => (out.startError += d));
start.on('exit', (code) => {
  out.startMs = since();
  out.startCode = code;
  end(code === 0 ? null : 'systemctl start exited with ' + code);
});
const attempt = () => {
  if (open >= 32 || out.firstMs !== null) return;
  out.attempts++;
  open++;
  let text = '';
  let connected = false;
  const s = net.connect({ port: Number(port), host: '127.0.0.1' });
  s.setTimeout(2000, () => s.destroy());
  s.on('connect', () => {
    connected = true;
    s.write('GET / HTTP/1.0\\r\\n\\r\\n');
  });
  s.on('data', (d) => (text += d));
  s.on('error', () => undefined);
  s.on('close', () => {
    open--;
    if (connected && !text) out.unanswered++;
    if (out.firstMs !== null || !/^HTTP\\/1\\.[01] 200 /.test(text) || !text.endsWith('\\r\\n\\r\\n' + expected + '\\n')) return;
    out.firstMs = since();
    clearInterval(poll);
    end(null);
  });
};
poll = setInterval(attempt, 2);
attempt();
setTimeout(() => end('no answer within ' + timeoutMs + ' ms'), Number(timeoutMs));
`;

interface ClientResult {
  startMs: number | null;
  startCode: number | null;
  startError: string;
  firstMs: number | null;
  attempts: number;
  unanswered: number;
  error: string | null;
}

const roundName = (round: number) => (round < 0 ? 'the warm-up' : `round ${round}`);
const median = (values: number[]) => (values.length ? summarize(values).median : null);

/** The host's network, which the section must leave as it found it. */
function hostNetwork(): Record<string, string[]> {
  const lines = (command: string[]) =>
    (spawnSync(command[0], command.slice(1), { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  return {
    'iptables rules': [...lines(['iptables', '-S']), ...lines(['iptables', '-t', 'nat', '-S'])],
    links: lines(['ip', '-o', 'link', 'show']).map((l) => l.split(': ')[1]),
    'network namespaces': lines(['ls', '-A', '/run/netns']),
  };
}

function hostChanges(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  return Object.keys(before).flatMap((what) => {
    const added = after[what].filter((l) => !before[what].includes(l));
    const removed = before[what].filter((l) => !after[what].includes(l));
    return added.length || removed.length
      ? [`on the host, ${what} changed: ${[...added.map((l) => `+${l}`), ...removed.map((l) => `-${l}`)].join('; ')}`]
      : [];
  });
}

function labLeftovers(sm: PrivateSystemd): string[] {
  const fp = networkFootprint((command) => sm.exec(command), STATE_DIR);
  const out: string[] = [];
  if (fp.rules.length) out.push(`in the lab, iptables rules: ${fp.rules.join('; ')}`);
  if (fp.veths) out.push(`in the lab, ${fp.veths} veth(s)`);
  if (fp.bridges.length) out.push(`in the lab, bridges: ${fp.bridges.join(', ')}`);
  if (fp.namespaces.length) out.push(`in the lab, network namespaces: ${fp.namespaces.join(', ')}`);
  if (fp.leases.length) out.push(`in the lab, address leases: ${fp.leases.join(', ')}`);
  const units = sm
    .exec(['systemctl', 'list-units', '--all', '--plain', '--no-legend', '--state=active,activating,deactivating,failed', 'bench-net-*'])
    .stdout.trim();
  if (units) out.push(`in the lab, units not stopped: ${units.split('\n').join('; ')}`);
  const files = sm.exec(['sh', '-c', `ls -A ${STATE_DIR}/systemd 2>/dev/null; find ${STATE_DIR} -name network.json`]).stdout.trim();
  if (files) out.push(`in the lab, files: ${files.split('\n').join(', ')}`);
  return out;
}

export interface NetworkOptions {
  workDir: string;
  bundle: Bundle;
  runtime: ResolvedRuntime;
  /** Measured rounds per candidate (after one warm-up round). */
  rounds: number;
  print: (line: string) => void;
}

export async function measureNetwork(o: NetworkOptions): Promise<NetworkMeasurements | string> {
  if (networkSkipReason) return `bridged networks cannot run here: ${networkSkipReason}`;
  // Never the host's systemd, even where it is PID 1: the bridges and rules must not reach the host.
  const unavailable = privateSystemdUnavailable();
  if (unavailable) return `a private systemd (with a network of its own) cannot boot: ${unavailable}`;
  const began = Date.now();
  const dir = path.join(o.workDir, 'network');
  mkdirSync(dir, { recursive: true });
  const before = hostNetwork();
  const sm = await PrivateSystemd.boot(path.join(dir, 'systemd'));
  const out: NetworkMeasurements = {
    rounds: o.rounds,
    runtime: o.runtime.name,
    serviceManager: sm.description,
    seconds: 0,
    startToActive: {},
    stop: {},
    firstRequest: {},
    leftovers: [],
    skipped: {},
  };
  const firstRequest: Record<string, { ms: number[]; startMs: number[]; unanswered: number[]; failures: string[] }> = {};
  try {
    const candidates: Candidate[] = [];
    const add = (name: string, make: (c: Candidate) => string) => {
      const c: Candidate = {
        name,
        unit: `bench-net-${name}.service`,
        port: FIRST_HOST_PORT + candidates.length,
        body: `bench-net-${name}`,
      };
      sm.writeFile(path.posix.join(RUNTIME_UNIT_DIR, c.unit), make(c));
      candidates.push(c);
      firstRequest[name] = { ms: [], startMs: [], unanswered: [], failures: [] };
    };
    const ctrmon = (network: 'bridge' | 'host') => (c: Candidate) =>
      ctrmonUnit(
        { sm, bundle: o.bundle, runtime: o.runtime },
        `net-${c.name}`,
        undefined,
        network === 'bridge' ? { network, publish: [`${c.port}:${CONTAINER_PORT}`] } : { network },
        server(c.body, network === 'bridge' ? CONTAINER_PORT : c.port),
      );
    add('ctrmon-bridge', ctrmon('bridge'));
    add('ctrmon-host', ctrmon('host'));
    const noPodman = podmanMissing();
    if (noPodman) out.skipped['network:podman'] = noPodman;
    else {
      try {
        const store = sectionPodmanStore(sm, dir, 'net', o.runtime, o.bundle.rootfs, ['/bin/sh']);
        const podman = (network: 'bridge' | 'host') => (c: Candidate) =>
          podmanUnit(store, `benchmark: podman run --sdnotify=container (conmon), --network ${network}`, [
            '--name',
            c.unit.replace(/\.service$/, ''),
            ...(network === 'bridge' ? ['-p', `${c.port}:${CONTAINER_PORT}`] : ['--network', 'host']),
            store.image,
            ...server(c.body, network === 'bridge' ? CONTAINER_PORT : c.port),
          ]);
        add('podman-bridge', podman('bridge'));
        add('podman-host', podman('host'));
      } catch (err) {
        out.skipped['network:podman'] = errorMessage(err);
      }
    }

    /** One request through the port, as a client on the host would make it. */
    const check = async (c: Candidate): Promise<string | null> => {
      const r = await sm.run(['curl', '-s', '-m', '2', `http://127.0.0.1:${c.port}/`]);
      return r.code === 0 && r.stdout === `${c.body}\n` ? null : `active, but port ${c.port} did not answer (curl exit ${r.code})`;
    };
    /** What a stop left in the lab, noted (the first few times) with the cycle that left it. */
    let leaks = 0;
    const noteLeftovers = (where: string) => {
      const left = labLeftovers(sm);
      if (left.length && leaks++ < MAX_LEFTOVERS_NOTED) out.leftovers.push(`after ${where}: ${left.join('; ')}`);
    };
    /** The first-request cycle: the client starts the unit itself; then the unit is stopped. */
    const firstRequestCycle = async (c: Candidate, round: number) => {
      noteLeftovers(`the start-to-active cycle of ${c.name} in ${roundName(round)}`);
      const r = await runClient(sm, CLIENT, [c.unit, String(c.port), c.body, String(CLIENT_TIMEOUT_MS)], CLIENT_TIMEOUT_MS);
      const stop = await sm.systemctl('stop', c.unit);
      let why: string | null = null;
      let result: ClientResult | undefined;
      try {
        result = JSON.parse(r.stdout) as ClientResult;
        if (result.error) why = `${result.error}${result.startError ? `: ${tail(result.startError)}` : ''}`;
      } catch {
        why = `the client printed no JSON (exit ${r.code}): ${tail(r.stdout + r.stderr)}`;
      }
      if (!why && stop.code !== 0) why = `systemctl stop exited with ${stop.code}: ${tail(stop.stderr)}`;
      if (why) await sm.client.resetFailed(c.unit);
      noteLeftovers(`the first-request cycle of ${c.name} in ${roundName(round)}`);
      if (round < 0) return;
      const s = firstRequest[c.name];
      if (why || !result) s.failures.push(`round ${round}: ${why}`);
      else {
        s.ms.push(result.firstMs as number);
        s.startMs.push(result.startMs as number);
        s.unanswered.push(result.unanswered);
      }
    };

    o.print(
      `[bench] published ports under ${sm.description}: ${o.rounds} rounds of ${candidates.map((c) => c.name).join(', ')} ` +
        '(start-to-active and stop, then the first request)',
    );
    const times = await measureServices(sm, candidates, o.rounds, o.print, { check, after: firstRequestCycle });
    for (const [name, t] of Object.entries(times)) {
      out.startToActive[name] = { ...summarize(t.startMs), failures: t.failures };
      out.stop[name] = summarize(t.stopMs);
      const s = firstRequest[name];
      out.firstRequest[name] = {
        ...summarize(s.ms),
        samples: s.ms,
        startReturnedMedianMs: median(s.startMs),
        afterStartMedianMs: median(s.ms.map((ms, i) => ms - s.startMs[i])),
        unansweredMedian: median(s.unanswered),
        failures: s.failures,
      };
    }
    if (leaks > MAX_LEFTOVERS_NOTED) out.leftovers.push(`and after ${leaks - MAX_LEFTOVERS_NOTED} more cycles`);
    out.leftovers.push(...labLeftovers(sm).map((l) => `at the end: ${l}`));
  } finally {
    await sm.shutdown();
    out.leftovers.push(...hostChanges(before, hostNetwork()));
    out.seconds = Math.round((Date.now() - began) / 100) / 10;
  }
  for (const l of out.leftovers) o.print(`[bench] published ports: LEFT BEHIND ${l}`);
  return out;
}
