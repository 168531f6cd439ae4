// `ctrmon bench`: compare ctrmon with conmon/podman and the bare runtime on this machine.
import type { Command } from 'commander';
import * as path from 'node:path';

import { MONITOR_OPTIONS } from '../config/monitor-options';
import { badOption } from '../config/parse';
import { loadHarness } from './harness';

const RUNTIME = MONITOR_OPTIONS.runtime.flags[0];

function verdict(r: { met: boolean | null; target: unknown }): string {
  if (r.met === null) return '';
  return r.met ? ' (target met)' : ` (target ${r.target} NOT met)`;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark ctrmon against conmon, podman and the bare runtime on this machine (root)')
    .option('--output <dir>', 'where results.json, results.md and latency.svg go', 'ctrmon-bench')
    .option(`${RUNTIME.flag} ${RUNTIME.arg}`, `${RUNTIME.help}; used by every candidate`)
    .option(
      '--baseline <dir>',
      'another ctrmon checkout (installed and built), measured beside this one in start-to-active, memory and footprint',
    )
    .option('--quick', 'fewer samples (a smoke run, not for comparisons)')
    .option('--starts <n>', 'start/stop cycles per candidate under systemd')
    .option('--idle-seconds <s>', 'how long the idle cost is measured')
    .option('--only <sections>', 'only these sections, comma-separated (a wrong name lists them)')
    .action(
      async (opts: {
        output: string;
        baseline?: string;
        runtime?: string;
        quick?: boolean;
        starts?: string;
        idleSeconds?: string;
        only?: string;
      }) => {
        const { runBench, FULL, QUICK, BENCH_SECTIONS } = loadHarness('ctrmon-bench.js');
        const only = opts.only?.split(',').map((s) => s.trim());
        const unknown = only?.filter((s) => !(BENCH_SECTIONS as readonly string[]).includes(s)) ?? [];
        if (only && (unknown.length || !only.length))
          throw badOption('--only', opts.only!, `expected some of ${BENCH_SECTIONS.join(', ')}`);
        const preset = opts.quick ? QUICK : FULL;
        const report = await runBench({
          ...preset,
          only: only as (typeof BENCH_SECTIONS)[number][] | undefined,
          starts: opts.starts ? Number(opts.starts) : preset.starts,
          idleSeconds: opts.idleSeconds ? Number(opts.idleSeconds) : preset.idleSeconds,
          outputDir: path.resolve(opts.output),
          runtime: opts.runtime,
          baseline: opts.baseline,
          print: (line) => process.stderr.write(`${line}\n`),
        });
        for (const r of Object.values(report.ratios)) {
          process.stdout.write(
            `${r.metric}: ctrmon ${r.ctrmon} ${r.unit} vs ${r.anchorName} ${r.anchor} ${r.unit} = ${r.ratio}x${verdict(r)}\n`,
          );
        }
      },
    );
}
