// (j) The first connection to a socket-activated service: a `<name>.socket` (ListenStream=
// 127.0.0.1:PORT, Accept=no) listens, the service is stopped; a client connects, systemd starts the
// service on that connection and queues it, and the container's server (the demo rootfs's
// /bin/hello) accepts it and answers one line. Measured in the client: from the connect call until
// the first byte of the answer (process.hrtime in one node process run inside the manager's network
// namespace). Main PIDs, the same container on the same runtime:
//   runc    the bare runtime (`runc run` as the main PID: runc takes LISTEN_FDS itself): the floor
//   podman  `podman run --sdnotify=container` as `podman generate systemd --new` writes it (podman
//           hands LISTEN_FDS on through conmon to the runtime), its own store; --sdnotify=container
//           as under ctrmon's unit (the server says READY=1 itself; --sdnotify=conmon brought the
//           first byte no sooner in a trial)
//   ctrmon  the units `ctrmon generate systemd --socket ListenStream=127.0.0.1:PORT --bundle ... /bin/hello`
//           writes (its .socket as the model of the others')
// The candidates take turns in a rotating order, one unmeasured warm-up round first. Every round is
// checked: the answer is the hello line on fd 3, the unit gets active, and after `systemctl stop`
// the unit is inactive and its socket listening again; a round that is not is a failure, not a sample.
// The services carry StartLimitIntervalSec=0: the rounds start them more often than systemd's
// default rate limit (5 in 10 s) allows.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { errorMessage } from '../src/errors';
import { packagePath } from '../src/package-root';
import { type Bundle, writeBundle } from '../src/spec/bundle';
import { bundleBase } from '../src/spec/bundle-base';
import { buildSpec } from '../src/spec/pipeline';
import type { ResolvedRuntime } from '../src/runtime/resolve';
import { freePort } from '../test/lab/registry/test-registry';
import { HostSystemd, hostIsSystemd } from '../test/lab/systemd/host-systemd';
import { PrivateSystemd, privateSystemdUnavailable } from '../test/lab/systemd/private-systemd';
import { RUNTIME_UNIT_DIR, type ServiceManager } from '../test/lab/systemd/service-manager';
import { runClient, tail } from './namespace-client';
import { type PodmanStore, podmanMissing, podmanUnit, sectionPodmanStore } from './podman-store';
import { type Summary, summarize } from './stats';

/** The socket's FileDescriptorName=, which the server prints (LISTEN_FDNAMES). */
const FD_NAME = 'web';
const HOSTNAME = 'ctrmon-demo';
/** How long the client waits for an answer, ms. */
const CLIENT_TIMEOUT_MS = 30_000;
/** How long a unit may take to become active after it answered, ms. */
const ACTIVE_TIMEOUT_MS = 15_000;

export interface SocketActivationSamples extends Summary {
  /** Connect until the first byte of the answer, ms, in round order. */
  samples: number[];
  /** Rounds that were not what they should be, and why. */
  failures: string[];
  /**
   * The longest connect of the measured rounds, ms: the kernel completes the connection on the
   * listening socket at once, so the first byte's wait is the service's start.
   */
  maxConnectMs: number | null;
}

export interface SocketActivationReport {
  rounds: number;
  runtime: string;
  /** The whole section, set-up included, s. */
  seconds: number;
  serviceManager: string;
  /** By candidate (the bare runtime by its name, podman, ctrmon). */
  firstByte: Record<string, SocketActivationSamples>;
}

export interface SocketActivationMeasurements extends SocketActivationReport {
  skipped: Record<string, string>;
}

interface Candidate {
  name: string;
  /** `<unit>.service` and `<unit>.socket`. */
  unit: string;
  port: number;
  /** The whole answer the server must give. */
  expected: string;
}

// Run inside the manager's namespaces: connects, prints one JSON line with the ms from the connect
// call until the connection is up and until the first byte, and everything the server wrote.
const CLIENT = `
const net = require('node:net');
const [port, timeoutMs] = process.argv.slice(1).map(Number);
let connectMs = null, firstByteMs = null, text = '';
const t0 = process.hrtime.bigint();
const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
const done = (error) => { process.stdout.write(JSON.stringify({ connectMs, firstByteMs, text, error })); process.exit(0); };
const socket = net.connect({ port, host: '127.0.0.1' });
socket.setTimeout(timeoutMs, () => done('no answer within ' + timeoutMs + ' ms'));
socket.on('connect', () => { connectMs = since(); });
socket.on('data', (d) => { if (firstByteMs === null) firstByteMs = since(); text += d; });
socket.on('end', () => done(null));
socket.on('error', (e) => done(e.message));
`;

interface Answer {
  connectMs: number | null;
  firstByteMs: number | null;
  text: string;
  error: string | null;
}

/** What `ctrmon generate systemd --socket` writes for ctrmon's unit, for the others. */
function socketUnit(c: { name: string; port: number }): string {
  return `[Unit]
Description=benchmark: socket activation of ${c.name}
[Socket]
ListenStream=127.0.0.1:${c.port}
FileDescriptorName=${FD_NAME}
`;
}

/** The bare runtime as the main PID: runc takes the sockets itself (LISTEN_PID is its pid). */
function bareRuntimeUnit(bundle: Bundle, runtime: ResolvedRuntime, dir: string, unit: string): string {
  const bundleDir = writeBundle(dir, buildSpec(bundleBase(bundle), { command: ['/bin/hello'], env: [], volumes: [] }).config);
  return `[Unit]
Description=benchmark: bare ${runtime.name} as the main PID, socket-activated
StartLimitIntervalSec=0
[Service]
Type=notify
NotifyAccess=all
ExecStart=${runtime.path} run --bundle ${bundleDir} ${unit}
ExecStopPost=-${runtime.path} delete --force ${unit}
TimeoutStartSec=30
Restart=no
`;
}

/** What `podman generate systemd --new` writes, with the benchmark's store (as service-latency.ts). */
function podmanSocketUnit(store: PodmanStore, unit: string): string {
  return podmanUnit(
    store,
    'benchmark: podman run --sdnotify=container (conmon), socket-activated',
    ['--name', unit, '--hostname', HOSTNAME, '--network', 'none', store.image, '/bin/hello'],
    ['StartLimitIntervalSec=0'],
  );
}

/** A service and its socket unit. */
interface Units {
  service: string;
  socket: string;
}

/** The service and socket units as written beside each other by the benchmark (the runtime's and podman's). */
function withSocket(service: string, c: { name: string; port: number }): Units {
  return { service, socket: socketUnit(c) };
}

/**
 * The units `ctrmon generate systemd --socket ... --files` writes (its own CLI), the service with the
 * benchmark's rate-limit exemption added.
 */
function ctrmonUnits(bundle: Bundle, runtime: ResolvedRuntime, unit: string, port: number, dir: string): Units {
  const outDir = path.join(dir, 'ctrmon-units');
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    process.execPath,
    [
      packagePath('bin', 'ctrmon.js'),
      'generate',
      'systemd',
      '--files',
      '--output-dir',
      outDir,
      '--bundle',
      bundle.dir,
      '--runtime',
      runtime.path,
      '--sdnotify',
      'container',
      '--restart-policy',
      'no',
      '--description',
      'benchmark: ctrmon monitor (ctrmon generate systemd), socket-activated',
      '--socket',
      `ListenStream=127.0.0.1:${port}`,
      '--socket',
      `FileDescriptorName=${FD_NAME}`,
      unit,
      '/bin/hello',
    ],
    { stdio: 'ignore' },
  );
  const service = readFileSync(path.join(outDir, `${unit}.service`), 'utf8');
  return {
    service: `${service.trimEnd()}\n\n[Unit]\nStartLimitIntervalSec=0\n`,
    socket: readFileSync(path.join(outDir, `${unit}.socket`), 'utf8'),
  };
}

async function serviceManager(dir: string): Promise<ServiceManager | string> {
  if (hostIsSystemd()) return new HostSystemd();
  const unavailable = privateSystemdUnavailable();
  if (unavailable) return `no systemd: PID 1 is not systemd and a private one cannot boot (${unavailable})`;
  return PrivateSystemd.boot(dir);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface SocketActivationOptions {
  workDir: string;
  bundle: Bundle;
  runtime: ResolvedRuntime;
  /** Measured rounds per candidate (after one warm-up round). */
  rounds: number;
  print: (line: string) => void;
}

export async function measureSocketActivation(o: SocketActivationOptions): Promise<SocketActivationMeasurements | string> {
  const began = Date.now();
  const dir = path.join(o.workDir, 'socket-activation');
  mkdirSync(dir, { recursive: true });
  const sm = await serviceManager(path.join(dir, 'systemd'));
  if (typeof sm === 'string') return sm;
  const out: SocketActivationMeasurements = {
    rounds: o.rounds,
    runtime: o.runtime.name,
    seconds: 0,
    serviceManager: sm.description,
    firstByte: {},
    skipped: {},
  };
  try {
    const candidates: Candidate[] = [];
    const add = async (name: string, expectedName: string, make: (c: Candidate) => Units) => {
      const unit = `bench-socket-${name}`;
      const c: Candidate = { name, unit, port: await freePort(), expected: `hello from ${HOSTNAME} on fd 3 (${expectedName})\n` };
      const units = make(c);
      sm.writeFile(path.posix.join(RUNTIME_UNIT_DIR, `${unit}.service`), units.service);
      sm.writeFile(path.posix.join(RUNTIME_UNIT_DIR, `${unit}.socket`), units.socket);
      candidates.push(c);
    };
    // runc hands the container LISTEN_FDS and LISTEN_PID only, not the names.
    await add(o.runtime.name, 'unknown', (c) =>
      withSocket(bareRuntimeUnit(o.bundle, o.runtime, path.join(dir, 'runtime-bundle'), c.unit), c),
    );
    const noPodman = podmanMissing();
    if (noPodman) out.skipped['socketActivation:podman'] = noPodman;
    else {
      try {
        const store = sectionPodmanStore(sm, dir, 'socket', o.runtime, o.bundle.rootfs, ['/bin/hello']);
        await add('podman', FD_NAME, (c) => withSocket(podmanSocketUnit(store, c.unit), c));
      } catch (err) {
        out.skipped['socketActivation:podman'] = errorMessage(err);
      }
    }
    await add('ctrmon', FD_NAME, (c) => ctrmonUnits(o.bundle, o.runtime, c.unit, c.port, dir));
    await sm.client.daemonReload();

    const collected = Object.fromEntries(
      candidates.map((c) => [c.name, { ms: [] as number[], connectMs: [] as number[], failures: [] as string[] }]),
    );
    let live = [...candidates];
    for (const c of candidates) {
      const r = await sm.systemctl('start', `${c.unit}.socket`);
      if (r.code !== 0) {
        out.skipped[`socketActivation:${c.name}`] = `${c.unit}.socket does not start: ${tail(r.stderr)}`;
        live = live.filter((x) => x !== c);
      }
    }
    const listening = async (c: Candidate) => {
      const socket = await sm.show(`${c.unit}.socket`, 'SubState');
      const service = await sm.show(`${c.unit}.service`, 'ActiveState');
      return socket.SubState === 'listening' && service.ActiveState === 'inactive';
    };
    /** One round of one candidate: the answer's times, or why there are none. */
    const oneRound = async (c: Candidate): Promise<{ firstByteMs: number; connectMs: number } | string> => {
      if (!(await listening(c))) return 'the socket was not listening with the service stopped before the round';
      const r = await runClient(sm, CLIENT, [String(c.port), String(CLIENT_TIMEOUT_MS)], CLIENT_TIMEOUT_MS);
      let answer: Answer;
      try {
        answer = JSON.parse(r.stdout) as Answer;
      } catch {
        return `the client printed no JSON (exit ${r.code}): ${tail(r.stdout + r.stderr)}`;
      }
      let why: string | null = null;
      if (answer.error) why = `the client: ${answer.error}`;
      else if (answer.text !== c.expected) why = `answer ${JSON.stringify(answer.text)}, not ${JSON.stringify(c.expected)}`;
      else if (answer.firstByteMs === null || answer.connectMs === null) why = 'no first byte';
      const active = await waitFor(
        async () => (await sm.show(`${c.unit}.service`, 'ActiveState')).ActiveState === 'active',
        ACTIVE_TIMEOUT_MS,
      );
      if (!why && !active) why = `${c.unit}.service did not get active`;
      if (why) why = `${why}; ${tail(sm.journal(`${c.unit}.service`), 4)}`;
      const stop = await sm.systemctl('stop', `${c.unit}.service`);
      const back = await waitFor(() => listening(c), 5000);
      if (!back) {
        await sm.client.resetFailed(`${c.unit}.service`);
        await sm.client.resetFailed(`${c.unit}.socket`);
        await sm.systemctl('start', `${c.unit}.socket`);
        why ??= `after the stop (exit ${stop.code}: ${tail(stop.stderr)}) the socket was not listening again`;
      }
      return why ?? { firstByteMs: answer.firstByteMs as number, connectMs: answer.connectMs as number };
    };

    o.print(
      `[bench] socket activation: first connection until the first byte, ${o.rounds} rounds of ${live.map((c) => c.name).join(', ')}`,
    );
    for (let round = -1; round < o.rounds; round++) {
      const shift = Math.max(0, round) % Math.max(1, live.length);
      for (const c of [...live.slice(shift), ...live.slice(0, shift)]) {
        let result: Awaited<ReturnType<typeof oneRound>>;
        try {
          result = await oneRound(c);
        } catch (err) {
          result = errorMessage(err);
        }
        if (typeof result !== 'string') {
          if (round >= 0) {
            collected[c.name].ms.push(result.firstByteMs);
            collected[c.name].connectMs.push(result.connectMs);
          }
        } else collected[c.name].failures.push(`${round < 0 ? 'warm-up' : `round ${round + 1}`}: ${result}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    for (const c of candidates) {
      const s = collected[c.name];
      const maxConnectMs = s.connectMs.length ? Math.round(Math.max(...s.connectMs) * 1000) / 1000 : null;
      if (live.includes(c)) out.firstByte[c.name] = { ...summarize(s.ms), samples: s.ms, failures: s.failures, maxConnectMs };
    }
  } finally {
    await sm.shutdown();
    out.seconds = Math.round((Date.now() - began) / 100) / 10;
  }
  return out;
}
