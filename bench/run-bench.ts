// `ctrmon bench`: ctrmon side by side with conmon/podman and the bare runtime, in one run on one
// machine. What an anchor cannot do here is reported as skipped, never estimated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { buildDemoBundle } from '../test/lab/demo-bundle';
import { CtrmonError, errorMessage } from '../src/errors';
import { loadBundle } from '../src/spec/bundle';
import { resolveRuntime } from '../src/runtime/resolve';
import { HostSystemd, hostIsSystemd } from '../test/lab/systemd/host-systemd';
import { PrivateSystemd, privateSystemdUnavailable } from '../test/lab/systemd/private-systemd';
import type { ServiceManager } from '../test/lab/systemd/service-manager';
import { ctrmonCommand } from '../src/systemd/unit-generator';
import { type DirectContext, flood, idleCost, memory, readyLatency, steadyLatency } from './direct-measurements';
import { measureAutoUpdate } from './auto-update';
import { measureFootprint } from './footprint';
import { measurePulls } from './image-pull';
import { measureSocketActivation } from './socket-activation';
import { measureNetwork } from './network';
import { type MonitorKind, removeLeftovers } from './direct-monitors';
import { type Machine, describeMachine } from './machine';
import { renderChart } from './svg-chart';
import { type BenchReport, renderMarkdown, headlineRatios } from './report';
import { measureServices, prepareServices } from './service-latency';
import { summarize } from './stats';

/** The sections of a run, in their order (`--only` picks some). */
export const BENCH_SECTIONS = [
  'relay',
  'memory',
  'idle',
  'flood',
  'pull',
  'start',
  'auto-update',
  'socket',
  'network',
  'footprint',
] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface BenchOptions {
  outputDir: string;
  /** Start/stop cycles per candidate under systemd. */
  starts: number;
  idleSeconds: number;
  readyRuns: number;
  relayRounds: number;
  relayMessages: number;
  floodCount: number;
  pullRounds: number;
  /** Measured rounds per row of the auto-update section (after one warm-up round). */
  autoUpdateRounds: number;
  /** Measured rounds per candidate of the socket-activation section (after one warm-up round). */
  socketRounds: number;
  /** Generator runs per build in the footprint section. */
  generatorRuns: number;
  /** Only these sections (BENCH_SECTIONS); all when undefined. */
  only?: BenchSection[];
  /** Another ctrmon checkout (installed and built) measured beside this one in start-to-active and memory. */
  baseline?: string;
  /** Undefined: the monitor's default (runtime/resolve.ts). */
  runtime: string | undefined;
  print: (line: string) => void;
}

export const FULL: Omit<BenchOptions, 'outputDir' | 'runtime' | 'print'> = {
  starts: 30,
  idleSeconds: 30,
  readyRuns: 40,
  relayRounds: 4,
  relayMessages: 150,
  floodCount: 100_000,
  pullRounds: 3,
  autoUpdateRounds: 15,
  socketRounds: 15,
  generatorRuns: 30,
};
export const QUICK: Omit<BenchOptions, 'outputDir' | 'runtime' | 'print'> = {
  starts: 5,
  idleSeconds: 5,
  readyRuns: 10,
  relayRounds: 2,
  relayMessages: 50,
  floodCount: 20_000,
  pullRounds: 1,
  autoUpdateRounds: 3,
  socketRounds: 3,
  generatorRuns: 5,
};

async function serviceManager(workDir: string): Promise<ServiceManager | string> {
  if (hostIsSystemd()) return new HostSystemd();
  const unavailable = privateSystemdUnavailable();
  if (unavailable) return `no systemd: PID 1 is not systemd and a private one cannot boot (${unavailable})`;
  return PrivateSystemd.boot(path.join(workDir, 'systemd'));
}

/** node, ctrmon's node flags and the baseline checkout's bin/ctrmon.js, as its units would run it. */
function baselineCtrmonCommand(dir: string): string[] {
  const bin = path.resolve(dir, 'bin', 'ctrmon.js');
  if (!existsSync(bin)) throw new CtrmonError('ERR_HARNESS', `--baseline ${dir}: no bin/ctrmon.js there`, { path: dir });
  const [node, ...rest] = ctrmonCommand();
  return [node, ...rest.slice(0, -1), bin];
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const { print } = o;
  const machine: Machine = describeMachine();
  const workDir = `/tmp/ctrmon-bench-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const runtime = resolveRuntime(o.runtime);
  removeLeftovers(runtime);
  const bundle = loadBundle(buildDemoBundle(path.join(workDir, 'bundle')));
  const hasConmon = spawnSync('sh', ['-c', 'command -v conmon']).status === 0;
  const kinds: MonitorKind[] = hasConmon ? ['ctrmon', 'conmon'] : ['ctrmon'];
  const baselineCommand = o.baseline ? baselineCtrmonCommand(o.baseline) : undefined;
  const report: BenchReport = {
    version: 1,
    date: new Date().toISOString(),
    machine,
    ctrmonCommand: ctrmonCommand().join(' '),
    settings: {
      starts: o.starts,
      idleSeconds: o.idleSeconds,
      readyRuns: o.readyRuns,
      relayRounds: o.relayRounds,
      relayMessages: o.relayMessages,
      floodCount: o.floodCount,
      pullRounds: o.pullRounds,
      autoUpdateRounds: o.autoUpdateRounds,
      socketRounds: o.socketRounds,
      generatorRuns: o.generatorRuns,
      runtime: runtime.path,
      ...(o.only ? { only: o.only.join(',') } : {}),
    },
    skipped: {},
    serviceManager: null,
    startToActive: {},
    stop: {},
    readyLatency: {},
    steadyLatency: {},
    memory: {},
    idle: {},
    flood: {},
    pull: {},
    pullPeakRssMb: null,
    autoUpdate: null,
    socketActivation: null,
    footprint: null,
    network: null,
    ratios: {},
  };
  const want = (section: BenchSection) => o.only === undefined || o.only.includes(section);
  if (!hasConmon) report.skipped.conmon = 'conmon is not installed';
  const direct: DirectContext = { kinds, bundle, runtime, workDir, baselineCommand };
  const withBaseline: DirectContext = baselineCommand ? { ...direct, kinds: [...kinds, 'ctrmon-baseline'] } : direct;
  try {
    if (want('relay')) {
      print(`[bench] READY relay latency at start: ${o.readyRuns} container starts each (${kinds.join(', ')})`);
      for (const [kind, r] of Object.entries(await readyLatency(direct, o.readyRuns)))
        report.readyLatency[kind] = { ...summarize(r.samples), lost: r.lost };
      print(`[bench] steady relay latency: ${o.relayRounds} rounds x ${o.relayMessages} messages`);
      for (const [kind, r] of Object.entries(await steadyLatency(direct, o.relayRounds, o.relayMessages)))
        report.steadyLatency[kind] = { ...summarize(r.samples), lost: r.lost };
    }
    if (want('memory')) {
      for (const count of [1, 10]) {
        print(`[bench] memory with ${count} container(s) per monitor`);
        report.memory[String(count)] = await memory(withBaseline, count);
      }
    }
    if (want('idle')) {
      print(`[bench] idle cost over ${o.idleSeconds} s`);
      report.idle = await idleCost(direct, o.idleSeconds);
    }
    if (want('flood')) {
      print(`[bench] notify flood of ${o.floodCount} datagrams`);
      report.flood = await flood(direct, o.floodCount);
    }
    if (want('pull')) {
      print(`[bench] pull and unpack of one image, ${o.pullRounds} cold round(s) per tool`);
      const pulls = await measurePulls(workDir, o.pullRounds, print);
      if (typeof pulls === 'string') report.skipped.pull = pulls;
      else {
        for (const [tool, seconds] of Object.entries(pulls.seconds)) report.pull[tool] = summarize(seconds);
        report.pullPeakRssMb = pulls.ctrmonPeakRssMb;
        Object.assign(report.skipped, pulls.skipped);
      }
    }

    const sm = want('start') ? await serviceManager(workDir) : null;
    if (typeof sm === 'string') {
      report.skipped.startToActive = sm;
    } else if (sm !== null) {
      report.serviceManager = sm.description;
      try {
        const { candidates, skipped } = prepareServices({ sm, bundle, runtime, workDir, baselineCommand });
        Object.assign(report.skipped, skipped);
        print(
          `[bench] start-to-active and stop under ${sm.description}: ${o.starts} cycles of ${candidates.map((c) => c.name).join(', ')}`,
        );
        const times = await measureServices(sm, candidates, o.starts, print);
        for (const [name, t] of Object.entries(times)) {
          report.startToActive[name] = { ...summarize(t.startMs), failures: t.failures };
          report.stop[name] = summarize(t.stopMs);
        }
      } catch (err) {
        report.skipped.startToActive = errorMessage(err);
      } finally {
        await sm.shutdown();
      }
    }

    /** A section with a service manager of its own: its report, or why it was skipped. */
    const apart = async <R extends { skipped: Record<string, string>; seconds: number }>(
      key: 'autoUpdate' | 'socketActivation' | 'network',
      what: string,
      measure: () => Promise<R | string>,
      keep: (measured: Omit<R, 'skipped'>) => void,
    ) => {
      try {
        const measured = await measure();
        if (typeof measured === 'string') report.skipped[key] = measured;
        else {
          const { skipped, ...rest } = measured;
          keep(rest);
          Object.assign(report.skipped, skipped);
          print(`[bench] ${what} section took ${measured.seconds} s`);
        }
      } catch (err) {
        report.skipped[key] = errorMessage(err);
      }
    };
    if (want('auto-update')) {
      print(`[bench] auto-update: ctrmon auto-update and podman auto-update, ${o.autoUpdateRounds} rounds per row`);
      await apart(
        'autoUpdate',
        'auto-update',
        () => measureAutoUpdate({ workDir, rounds: o.autoUpdateRounds, runtime, print }),
        (au) => (report.autoUpdate = au),
      );
    }
    if (want('socket')) {
      await apart(
        'socketActivation',
        'socket-activation',
        () => measureSocketActivation({ workDir, bundle, runtime, rounds: o.socketRounds, print }),
        (sa) => (report.socketActivation = sa),
      );
    }
    if (want('network')) {
      await apart(
        'network',
        'published-ports',
        () => measureNetwork({ workDir, bundle, runtime, rounds: o.starts, print }),
        (net) => (report.network = net),
      );
    }

    if (want('footprint')) {
      print(`[bench] footprint: bundle sizes, and the systemd generator run ${o.generatorRuns} times per build`);
      report.footprint = measureFootprint(o.generatorRuns, o.baseline);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  report.ratios = headlineRatios(report);
  mkdirSync(o.outputDir, { recursive: true });
  writeFileSync(path.join(o.outputDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(o.outputDir, 'results.md'), renderMarkdown(report));
  writeFileSync(path.join(o.outputDir, 'latency.svg'), renderChart(report));
  print(`[bench] wrote results.json, results.md and latency.svg to ${o.outputDir}`);
  return report;
}
