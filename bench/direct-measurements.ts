// The measurements that need no systemd: each monitor runs its container directly, with a
// NotifyListener (in this process) standing in for systemd. Candidates alternate, so that drift
// on the machine affects both alike.
import * as path from 'node:path';

import { NotifyListener } from '../test/lab/notify-recorder';
import { type DirectMonitor, type DirectOptions, type MonitorKind, startMonitor } from './direct-monitors';
import { type CpuStats, type MemoryStats, cpuOf, memoryOf } from './proc-stats';

export interface DirectContext extends Omit<DirectOptions, 'name' | 'command' | 'notifySocket'> {
  kinds: MonitorKind[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IDLE_CONTAINER = ['sleep', '3600'];
let listeners = 0;

function listenerFor(ctx: DirectContext): NotifyListener {
  return new NotifyListener(path.join(ctx.workDir, `systemd-${++listeners}.sock`));
}

function start(ctx: DirectContext, kind: MonitorKind, name: string, command: string[], listener: NotifyListener): Promise<DirectMonitor> {
  return startMonitor(kind, { ...ctx, name: `bench-${kind}-${name}`, command, notifySocket: listener.address });
}

export interface RelayLatency {
  /** Container send -> arrival at the listener, milliseconds. */
  samples: number[];
  lost: number;
}

/** Runs a container that prints "sent <CLOCK_MONOTONIC ns>" per message; pairs sends and arrivals. */
async function timedRun(
  ctx: DirectContext,
  kind: MonitorKind,
  name: string,
  script: string,
  payload: string,
  into: Record<string, RelayLatency>,
): Promise<void> {
  const listener = listenerFor(ctx);
  try {
    const monitor = await start(ctx, kind, name, ['/bin/sh', '-c', script], listener);
    await monitor.exited; // the container ends by itself
    await monitor.stop(); // removes what is left
    await sleep(20);
    const sent = [...monitor.output().matchAll(/^sent (\d+)$/gm)].map((m) => BigInt(m[1]));
    const arrived = listener.arrivals.filter((a) => a.payload === payload).map((a) => a.at);
    into[kind] ??= { samples: [], lost: 0 };
    const entry = into[kind];
    for (let i = 0; i < Math.min(sent.length, arrived.length); i++) entry.samples.push(Number(arrived[i] - sent[i]) / 1e6);
    entry.lost += Math.max(0, sent.length - arrived.length);
  } finally {
    listener.close();
  }
}

/** (b) READY at start: the application sends READY=1 as soon as it runs; one sample per container start. */
export async function readyLatency(ctx: DirectContext, runs: number): Promise<Record<string, RelayLatency>> {
  const result: Record<string, RelayLatency> = {};
  for (let run = 0; run < runs; run++) {
    for (const kind of run % 2 ? [...ctx.kinds].reverse() : ctx.kinds) {
      await timedRun(ctx, kind, `ready${run}`, 'sdnotify -q --time READY=1', 'READY=1', result);
    }
  }
  return result;
}

/** (b) Steady state: after 2 s up, the application sends WATCHDOG=1 every 10 ms. */
export async function steadyLatency(ctx: DirectContext, rounds: number, messages: number): Promise<Record<string, RelayLatency>> {
  const result: Record<string, RelayLatency> = {};
  const script = `sleep 2; i=0; while [ $i -lt ${messages} ]; do sdnotify -q --time WATCHDOG=1; sleep 0.01; i=$((i+1)); done`;
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? [...ctx.kinds].reverse() : ctx.kinds) {
      await timedRun(ctx, kind, `steady${round}`, script, 'WATCHDOG=1', result);
    }
  }
  return result;
}

/** Runs `count` idle containers under each monitor kind, in turns, and stops them all after measure(). */
async function withIdleMonitors<T>(
  ctx: DirectContext,
  count: number,
  name: string,
  measure: (running: DirectMonitor[]) => Promise<T>,
): Promise<T> {
  const listener = listenerFor(ctx);
  const running: DirectMonitor[] = [];
  try {
    for (let i = 0; i < count; i++) {
      for (const kind of ctx.kinds) running.push(await start(ctx, kind, `${name}-${i}`, IDLE_CONTAINER, listener));
    }
    return await measure(running);
  } finally {
    await Promise.all(running.map((m) => m.stop()));
    listener.close();
  }
}

export interface MemoryPerMonitor {
  containers: number;
  perMonitor: MemoryStats;
  threads: number;
}

/** (c) RSS, PSS and private memory per monitor with `count` containers running under each. */
export async function memory(ctx: DirectContext, count: number, settleMs = 2000): Promise<Record<string, MemoryPerMonitor>> {
  return withIdleMonitors(ctx, count, `mem${count}`, async (running) => {
    await sleep(settleMs);
    const result: Record<string, MemoryPerMonitor> = {};
    for (const kind of ctx.kinds) {
      const mine = running.filter((m) => m.kind === kind);
      const stats = mine.map((m) => memoryOf(m.pid));
      const avg = (key: keyof MemoryStats) => Math.round(stats.reduce((a, s) => a + s[key], 0) / stats.length);
      result[kind] = {
        containers: count,
        perMonitor: { rssKb: avg('rssKb'), pssKb: avg('pssKb'), privateKb: avg('privateKb') },
        threads: cpuOf(mine[0].pid).threads,
      };
    }
    return result;
  });
}

export interface IdleCost {
  seconds: number;
  cpuMs: number;
  contextSwitches: number;
  threads: number;
}

/** (d) CPU time and context switches (wake-ups of any thread) of a monitor whose container idles. */
export async function idleCost(ctx: DirectContext, seconds: number, settleMs = 3000): Promise<Record<string, IdleCost>> {
  return withIdleMonitors(ctx, 1, 'idle', async (running) => {
    await sleep(settleMs);
    const before = running.map((m) => cpuOf(m.pid));
    await sleep(seconds * 1000);
    const after = running.map((m) => cpuOf(m.pid));
    const result: Record<string, IdleCost> = {};
    running.forEach((m, i) => {
      const diff = (key: keyof CpuStats) => after[i][key] - before[i][key];
      result[m.kind] = { seconds, cpuMs: diff('cpuMs'), contextSwitches: diff('contextSwitches'), threads: after[i].threads };
    });
    return result;
  });
}

export interface FloodResult {
  sent: number;
  relayed: number;
  relayedPerSecond: number;
  /** The longest single send of the container's blocking sender. */
  maxBlockMs: number;
  /** The sender gave up: one send blocked for a whole second (the relay stalled). */
  stalled: boolean;
}

/** (e) The container sends `count` WATCHDOG=1 datagrams as fast as it can. */
export async function flood(ctx: DirectContext, count: number): Promise<Record<string, FloodResult>> {
  const result: Record<string, FloodResult> = {};
  for (const kind of ctx.kinds) {
    const listener = listenerFor(ctx);
    try {
      const monitor = await start(ctx, kind, 'flood', ['sdnotify', '-q', '--flood', String(count), 'WATCHDOG=1'], listener);
      await monitor.exited;
      await monitor.stop();
      await sleep(200);
      const report = JSON.parse(/\{"sent".*\}/.exec(monitor.output())?.[0] ?? '{}') as {
        sent?: number;
        timeouts?: number;
        max_block_us?: number;
        elapsed_us?: number;
      };
      const arrivals = listener.arrivals;
      const spanS = arrivals.length > 1 ? Number(arrivals[arrivals.length - 1].at - arrivals[0].at) / 1e9 : NaN;
      result[kind] = {
        sent: report.sent ?? 0,
        relayed: arrivals.length,
        relayedPerSecond: Math.round(arrivals.length / spanS),
        maxBlockMs: (report.max_block_us ?? NaN) / 1000,
        stalled: (report.timeouts ?? 0) > 0,
      };
    } finally {
      listener.close();
    }
  }
  return result;
}
