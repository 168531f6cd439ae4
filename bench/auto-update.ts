// (i) auto-update: `ctrmon auto-update` against podman's own `podman auto-update`, in one run, in one
// private systemd, against one registry, on equivalent units (UpdateLab: host network, a
// docker-registry on loopback, images of the demo application pushed by skopeo):
//   ctrmon  units written by `ctrmon generate systemd --image <ref> --label io.containers.autoupdate=registry`
//   podman  units as `podman generate systemd --new` writes them, `podman run --sdnotify=container
//           --label io.containers.autoupdate=registry <ref>`, with a store of their own under the work dir
// Three rows, each the wall clock of the whole command, run inside the namespaces, the tools taking
// turns (the first one alternates by round), one unmeasured warm-up round each:
//   check     UNITS units per tool, the registry has nothing new
//   update    one unit per tool, a new image pushed: until the command returns with the unit active on
//             it (ctrmon with --soak 0: podman has no soak window, its restart job is done at READY)
//   rollback  one unit per tool, an image whose command exits 1 at once: until the command returns
//             with the unit active on the old image again (ctrmon: "rolled back", exit 2; podman:
//             "rolled back", exit 0). ctrmon quarantines a bad digest, so each round pushes a new one.
// Every run is checked (statuses, exit code, the digest the unit runs, ActiveState); a run that is not
// what it should be is a failure, recorded and left out of the samples. Both tools' units carry a
// drop-in with StartLimitIntervalSec=0: rounds restart a unit more often than systemd's default start
// rate limit (5 in 10 s) allows, and a real machine does not update that often.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import { errorMessage } from '../src/errors';
import { writePodmanConf } from './podman-store';
import type { ResolvedRuntime } from '../src/runtime/resolve';
import { pushLayout } from '../test/lab/registry/layout-builder';
import { registrySkipReason } from '../test/lab/registry/test-registry';
import { privateSystemdUnavailable } from '../test/lab/systemd/private-systemd';
import { RUNTIME_UNIT_DIR } from '../test/lab/systemd/service-manager';
import { UpdateLab } from '../test/lab/update-lab';
import { type Summary, summarize } from './stats';

export const AUTO_UPDATE_ROWS = ['check', 'update', 'rollback'] as const;
export type AutoUpdateRowName = (typeof AUTO_UPDATE_ROWS)[number];
export const AUTO_UPDATE_TOOLS = ['ctrmon', 'podman'] as const;
type Tool = (typeof AUTO_UPDATE_TOOLS)[number];

/** Units per tool in the check row. */
export const CHECK_UNITS = 20;
/** ctrmon's --soak in the update and rollback rows: podman has no soak window. */
export const CTRMON_SOAK = '0';
/** Bound on one command (coreutils timeout inside the namespace): podman's restart has no deadline of its own. */
const COMMAND_TIMEOUT_S = 120;

export interface AutoUpdateSamples extends Summary {
  /** Wall clock of each measured command, ms, in round order. */
  samples: number[];
  /** Rounds whose run was not what it should be, and why. */
  failures: string[];
  /**
   * ctrmon only: the Timings of its JSON report (summed over the units of a run), median over the
   * samples, ms; `outsideUnitsMs` is the wall clock less totalMs (process start, discovery, output).
   */
  engineTimings?: Record<string, number>;
}

export interface AutoUpdateMeasurements {
  /** Units per tool in the check row. */
  units: number;
  rounds: number;
  /** ctrmon's --soak in the update and rollback rows. */
  ctrmonSoak: string;
  runtime: string;
  /** The whole section, set-up included, s. */
  seconds: number;
  /** By row, then tool. */
  rows: Record<AutoUpdateRowName, Record<string, AutoUpdateSamples>>;
  skipped: Record<string, string>;
}

/** What the report keeps (the skipped tools go to the report's own list). */
export type AutoUpdateReport = Omit<AutoUpdateMeasurements, 'skipped'>;

interface Run {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

interface Side {
  tool: Tool;
  /** The container (and unit) name of the update and rollback rows; checkName(i): the check row's. */
  single: string;
  checkName(i: number): string;
  install(name: string, ref: string): Promise<void>;
  /** The auto-update command, timed. */
  autoUpdate(): Promise<Run>;
  /** The manifest digest the container of `name` runs. */
  runningDigest(name: string): string | null;
  /** The exit code a rollback must give. */
  rollbackExit: number;
  removeImages(refs: string[]): void;
  /** What the tool says about its own run's timings, when it does (keys of UpdateReport.Timings). */
  timings?(r: Run): Record<string, number> | null;
}

const tail = (text: string, lines = 3) => text.trim().split('\n').slice(-lines).join(' | ');

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Limits to StartLimitIntervalSec=0 for a unit, as a drop-in (written only; the caller reloads). */
function dropIn(lab: UpdateLab, unit: string): void {
  lab.nsd.writeFile(path.posix.join(RUNTIME_UNIT_DIR, `${unit}.d`, 'bench.conf'), '[Unit]\nStartLimitIntervalSec=0\n');
}

async function timedRun(lab: UpdateLab, argv: string[]): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const r = await lab.nsd.run(['timeout', '--kill-after=5', String(COMMAND_TIMEOUT_S), ...argv]);
  return { code: r.code, ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: r.stdout, stderr: r.stderr };
}

function ctrmonSide(lab: UpdateLab): Side {
  return {
    tool: 'ctrmon',
    single: 'au-ctrmon',
    checkName: (i) => `au-ctrmon-check-${String(i).padStart(2, '0')}`,
    install: async (name, ref) => {
      await lab.installUnit(`${name}.service`, ref, 'registry', { reload: false });
      dropIn(lab, `${name}.service`);
    },
    autoUpdate: () => timedRun(lab, lab.ctrmonCommand(lab.engineArgs('auto-update', [], { soak: CTRMON_SOAK }))),
    runningDigest: (name) => {
      try {
        return lab.state(name).manifestDigest;
      } catch {
        return null;
      }
    },
    rollbackExit: 2,
    removeImages: (refs) => {
      lab.nsd.exec(lab.ctrmonCommand(['rmi', '--root', lab.store, ...refs]));
    },
    timings: (r) => {
      try {
        const sums: Record<string, number> = {};
        for (const report of JSON.parse(r.stdout) as { Timings: Record<string, number> }[]) {
          for (const [key, ms] of Object.entries(report.Timings)) sums[key] = (sums[key] ?? 0) + ms;
        }
        if (sums.totalMs !== undefined) sums.outsideUnitsMs = r.ms - sums.totalMs;
        return sums;
      } catch {
        return null;
      }
    },
  };
}

/** podman's side: its own store, settings and run root, never the host's (as service-latency.ts). */
function podmanSide(lab: UpdateLab, dir: string, runtime: ResolvedRuntime): Side {
  const conf = writePodmanConf(dir, runtime);
  const global = ['--root', path.join(dir, 'storage'), '--runroot', '/run/ctrmon-bench-au-podman'];
  const env = ['env', `CONTAINERS_CONF=${conf}`, `CONTAINERS_REGISTRIES_CONF=${lab.registriesConf}`];
  const podman = (...args: string[]) => [...env, 'podman', ...global, ...args];
  const g = global.join(' ');
  return {
    tool: 'podman',
    single: 'au-podman',
    checkName: (i) => `au-podman-check-${String(i).padStart(2, '0')}`,
    install: async (name, ref) => {
      // What `podman generate systemd --new` writes (containers_test.go), with the bench's store.
      const unit = `[Unit]
Description=benchmark: podman auto-update target (podman generate systemd --new)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/containers
[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n CONTAINERS_CONF=${conf} CONTAINERS_REGISTRIES_CONF=${lab.registriesConf}
Restart=on-failure
TimeoutStopSec=70
ExecStartPre=/bin/rm -f %t/%n.ctr-id
ExecStart=/usr/bin/podman ${g} run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=container -d --replace \\
  --name ${name} --network none --label io.containers.autoupdate=registry ${ref}
ExecStop=/usr/bin/podman ${g} stop --ignore -t 10 --cidfile=%t/%n.ctr-id
ExecStopPost=/usr/bin/podman ${g} rm -f --ignore -t 10 --cidfile=%t/%n.ctr-id
Type=notify
NotifyAccess=all
`;
      lab.nsd.writeFile(path.posix.join(RUNTIME_UNIT_DIR, `${name}.service`), unit);
      dropIn(lab, `${name}.service`);
    },
    autoUpdate: () => timedRun(lab, podman('auto-update', '--format', 'json')),
    runningDigest: (name) => {
      const r = lab.nsd.exec(podman('container', 'inspect', '--format', '{{.ImageDigest}}', name));
      return r.status === 0 ? r.stdout.trim() : null;
    },
    rollbackExit: 0,
    removeImages: (refs) => {
      lab.nsd.exec(podman('rmi', '--force', ...refs));
    },
  };
}

/** The statuses of a run's JSON output (both tools print podman's keys), or why there are none. */
function statuses(r: Run): string[] | string {
  try {
    const reports = JSON.parse(r.stdout) as { Updated: string }[];
    return reports.map((x) => x.Updated);
  } catch {
    return `printed no JSON (exit ${r.code}): ${tail(r.stdout + r.stderr)}`;
  }
}

async function activeState(lab: UpdateLab, unit: string): Promise<string> {
  return (await lab.nsd.show(unit, 'ActiveState')).ActiveState;
}

/** Starts units in one `systemctl start` (systemd runs the jobs side by side); the ones not active, with why. */
async function startAll(lab: UpdateLab, units: string[]): Promise<string | null> {
  const r = await lab.nsd.systemctl('start', ...units);
  const down: string[] = [];
  for (const u of units) if ((await activeState(lab, u)) !== 'active') down.push(u);
  if (r.code === 0 && down.length === 0) return null;
  return `${down.length} of ${units.length} units did not start (${down.slice(0, 3).join(', ')}): ${tail(r.stderr)}; ${tail(
    lab.nsd.journal(down[0] ?? units[0]),
    4,
  )}`;
}

/** The median of each key over the runs that have it, ms (one decimal); nothing when there are no runs. */
function medianTimings(runs: Record<string, number>[]): { engineTimings?: Record<string, number> } {
  if (!runs.length) return {};
  const keys = [...new Set(runs.flatMap((t) => Object.keys(t)))];
  const median = (key: string) => summarize(runs.flatMap((t) => (t[key] === undefined ? [] : [t[key]]))).median;
  return { engineTimings: Object.fromEntries(keys.map((k) => [k, Math.round(median(k) * 10) / 10])) };
}

export interface AutoUpdateBenchOptions {
  workDir: string;
  rounds: number;
  runtime: ResolvedRuntime;
  print: (line: string) => void;
}

export async function measureAutoUpdate(o: AutoUpdateBenchOptions): Promise<AutoUpdateMeasurements | string> {
  const unavailable = privateSystemdUnavailable() ?? registrySkipReason();
  if (unavailable) return unavailable;
  const began = Date.now();
  const dir = path.join(o.workDir, 'auto-update');
  mkdirSync(dir, { recursive: true });
  const out: AutoUpdateMeasurements = {
    units: CHECK_UNITS,
    rounds: o.rounds,
    ctrmonSoak: CTRMON_SOAK,
    runtime: o.runtime.name,
    seconds: 0,
    rows: { check: {}, update: {}, rollback: {} },
    skipped: {},
  };
  const lab = await UpdateLab.start(path.join(dir, 'lab'), { runtime: o.runtime.path });
  try {
    const sides: Side[] = [ctrmonSide(lab)];
    if (!have('podman') || !have('conmon')) out.skipped['autoUpdate:podman'] = 'podman or conmon is not installed';
    else sides.push(podmanSide(lab, path.join(dir, 'podman'), o.runtime));
    type Collected = { ms: number[]; failures: string[]; timings: Record<string, number>[] };
    const samples = Object.fromEntries(
      AUTO_UPDATE_ROWS.map((row) => [
        row,
        Object.fromEntries(sides.map((s) => [s.tool, { ms: [], failures: [], timings: [] } as Collected])),
      ]),
    ) as Record<AutoUpdateRowName, Record<string, Collected>>;

    // Set-up: one image in CHECK_UNITS repositories (the check row) and in one more (the other rows).
    const checkRefs = Array.from({ length: CHECK_UNITS }, (_, i) => lab.ref(`check-${String(i).padStart(2, '0')}`));
    const updateRef = lab.ref('update');
    const v1 = lab.layout('1');
    for (const ref of [...checkRefs, updateRef]) pushLayout(v1, ref);
    for (const side of sides) {
      for (let i = 0; i < CHECK_UNITS; i++) await side.install(side.checkName(i), checkRefs[i]);
      await side.install(side.single, updateRef);
    }
    await lab.nsd.client.daemonReload();
    let live = [...sides];
    const drop = (side: Side, why: string) => {
      out.skipped[`autoUpdate:${side.tool}`] = why;
      live = live.filter((s) => s !== side);
    };
    for (const side of [...live]) {
      const why = await startAll(
        lab,
        Array.from({ length: CHECK_UNITS }, (_, i) => `${side.checkName(i)}.service`),
      );
      if (why) drop(side, `the check row's units: ${why}`);
    }

    /**
     * Runs a row: prepare sets a round up; check says what is wrong with a side's run (null: nothing),
     * given the digest its single unit ran before.
     */
    const rowRounds = async (
      row: AutoUpdateRowName,
      prepare: (round: number) => void,
      check: (side: Side, r: Run, before: string | null) => Promise<string | null>,
    ) => {
      for (let round = -1; round < o.rounds; round++) {
        prepare(round);
        const order = round % 2 === 0 ? [...live] : [...live].reverse();
        for (const side of order) {
          const before = row === 'check' ? null : side.runningDigest(side.single);
          const r = await side.autoUpdate();
          let why: string | null;
          try {
            why = await check(side, r, before);
          } catch (err) {
            why = errorMessage(err);
          }
          if (round < 0) {
            if (why) samples[row][side.tool].failures.push(`warm-up: ${why}`);
            continue;
          }
          if (why) samples[row][side.tool].failures.push(`round ${round + 1}: ${why}`);
          else {
            samples[row][side.tool].ms.push(r.ms);
            const timings = side.timings?.(r);
            if (timings) samples[row][side.tool].timings.push(timings);
          }
        }
      }
    };
    const expect = (r: Run, exit: number, status: string, count: number): string | null => {
      const s = statuses(r);
      if (typeof s === 'string') return s;
      if (r.code !== exit) return `exit ${r.code}, not ${exit}: ${tail(r.stderr)}`;
      if (s.length !== count || s.some((x) => x !== status))
        return `statuses ${JSON.stringify(s)}, not ${count} x "${status}": ${tail(r.stderr)}`;
      return null;
    };
    /** The unit is active on digest; otherwise why not (and the unit is started again for the next round). */
    const onDigest = async (side: Side, digest: string): Promise<string | null> => {
      const unit = `${side.single}.service`;
      const state = await activeState(lab, unit);
      const running = side.runningDigest(side.single);
      if (state === 'active' && running === digest) return null;
      if (state !== 'active') {
        await lab.nsd.client.resetFailed(unit);
        await lab.nsd.systemctl('start', unit);
      }
      return `${unit} is ${state} on ${running}, not on ${digest}`;
    };

    if (live.length) {
      o.print(
        `[bench] auto-update: a check of ${CHECK_UNITS} units with nothing new, ${o.rounds} rounds (${live.map((s) => s.tool).join(', ')})`,
      );
      await rowRounds(
        'check',
        () => undefined,
        async (_side, r) => expect(r, 0, 'false', CHECK_UNITS),
      );
    }
    // The check row's units stop, so that the next rows' runs see one unit each.
    for (const side of sides) {
      await lab.nsd.systemctl('stop', ...Array.from({ length: CHECK_UNITS }, (_, i) => `${side.checkName(i)}.service`));
      side.removeImages(checkRefs);
    }
    for (const side of [...live]) {
      const why = await startAll(lab, [`${side.single}.service`]);
      if (why) drop(side, `the update row's unit: ${why}`);
    }

    let digest = '';
    if (live.length) {
      o.print(`[bench] auto-update: update to a new image until active, ${o.rounds} rounds (ctrmon --soak ${CTRMON_SOAK})`);
      await rowRounds(
        'update',
        (round) => {
          digest = lab.push(updateRef, String(round + 3));
        },
        async (side, r) => expect(r, 0, 'true', 1) ?? (await onDigest(side, digest)),
      );
    }
    if (live.length) {
      o.print(`[bench] auto-update: rollback after a crashing image, ${o.rounds} rounds (ctrmon --soak ${CTRMON_SOAK})`);
      await rowRounds(
        'rollback',
        (round) => {
          lab.push(updateRef, `broken-${round + 2}`, { crash: 1 });
        },
        async (side, r, before) => expect(r, side.rollbackExit, 'rolled back', 1) ?? (await onDigest(side, before ?? 'the digest it ran')),
      );
    }
    for (const row of AUTO_UPDATE_ROWS) {
      for (const [tool, s] of Object.entries(samples[row]))
        out.rows[row][tool] = { ...summarize(s.ms), samples: s.ms, failures: s.failures, ...medianTimings(s.timings) };
    }
  } finally {
    await lab.stop();
    out.seconds = Math.round((Date.now() - began) / 100) / 10;
  }
  return out;
}
