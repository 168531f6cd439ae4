import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { describeMachine } from '../../bench/machine';
import { type BenchReport, headlineRatios, renderMarkdown } from '../../bench/report';
import { percentile, summarize } from '../../bench/stats';
import { renderChart } from '../../bench/svg-chart';

function report(): BenchReport {
  const s = (values: number[]) => summarize(values);
  const r: BenchReport = {
    version: 1,
    date: '2026-11-22T00:00:00.000Z',
    machine: describeMachine(),
    ctrmonCommand: 'node ctrmon.js',
    settings: { starts: 3, idleSeconds: 30, readyRuns: 3, relayRounds: 1, relayMessages: 3, floodCount: 10, generatorRuns: 3 },
    skipped: { crun: 'not wanted' },
    serviceManager: 'private systemd',
    startToActive: {
      runc: { ...s([50, 52, 54]), failures: [] },
      podman: { ...s([150, 160, 170]), failures: [] },
      ctrmon: { ...s([110, 120, 130]), failures: [] },
    },
    stop: { podman: s([200]), ctrmon: s([30]) },
    readyLatency: { ctrmon: { ...s([0.4, 0.5]), lost: 0 }, conmon: { ...s([0.3, 0.6]), lost: 0 } },
    steadyLatency: { ctrmon: { ...s([0.3]), lost: 0 }, conmon: { ...s([0.3]), lost: 0 } },
    memory: {
      '10': {
        ctrmon: { containers: 10, perMonitor: { rssKb: 50000, pssKb: 10000, privateKb: 7168 }, threads: 5 },
        conmon: { containers: 10, perMonitor: { rssKb: 4000, pssKb: 600, privateKb: 300 }, threads: 1 },
      },
    },
    idle: {
      ctrmon: { seconds: 30, cpuMs: 0, contextSwitches: 0, threads: 5 },
      conmon: { seconds: 30, cpuMs: 0, contextSwitches: 0, threads: 1 },
    },
    flood: {
      ctrmon: { sent: 10, relayed: 10, relayedPerSecond: 100, maxBlockMs: 0.5, stalled: false },
      conmon: { sent: 3, relayed: 3, relayedPerSecond: 50, maxBlockMs: 1000, stalled: true },
    },
    pull: { ctrmon: s([0.8, 0.9, 1]), 'skopeo+umoci': s([1.4, 1.5, 1.6]), podman: s([0.9, 1, 1.1]) },
    pullPeakRssMb: 110,
    autoUpdate: {
      units: 20,
      rounds: 3,
      ctrmonSoak: '0',
      runtime: 'runc',
      seconds: 60,
      rows: {
        check: {
          ctrmon: { ...s([200, 210, 220]), samples: [200, 210, 220], failures: [] },
          podman: { ...s([500]), samples: [500], failures: [] },
        },
        update: {
          ctrmon: {
            ...s([300]),
            samples: [300],
            failures: [],
            engineTimings: { checkMs: 60, readyMs: 200, totalMs: 280, outsideUnitsMs: 20 },
          },
          podman: { ...s([400]), samples: [400], failures: ['round 2: exit 125'] },
        },
        rollback: { ctrmon: { ...s([900]), samples: [900], failures: [] }, podman: { ...s([600]), samples: [600], failures: [] } },
      },
    },
    socketActivation: {
      rounds: 3,
      runtime: 'runc',
      seconds: 20,
      serviceManager: 'private systemd',
      firstByte: {
        runc: { ...s([40, 42, 44]), samples: [40, 42, 44], failures: [], maxConnectMs: 0.2 },
        podman: { ...s([200, 250]), samples: [200, 250], failures: ['round 3: answer "", not "hello | x"'], maxConnectMs: 0.31 },
        ctrmon: { ...s([100, 110, 120]), samples: [100, 110, 120], failures: [], maxConnectMs: null },
      },
    },
    footprint: {
      bundleBytes: {
        ctrmon: { monitor: 200 * 1024, generator: 25 * 1024, update: 130 * 1024, cli: 300 * 1024 },
        'ctrmon-baseline': { monitor: 240 * 1024, generator: 40 * 1024, update: 180 * 1024, cli: 450 * 1024 },
      },
      generatorMs: { ctrmon: s([30, 32, 34]), 'ctrmon-baseline': s([38, 40, 42]) },
      generatorFilesMs: { ctrmon: s([60, 66, 70]), 'ctrmon-baseline': s([50, 55, 60]) },
    },
    ratios: {},
  };
  r.ratios = headlineRatios(r);
  return r;
}

describe('benchmark report', () => {
  test('nearest-rank percentiles and summaries', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.deepEqual(summarize([3, 1, 2]), { n: 3, min: 1, p25: 1, median: 2, p75: 3, p90: 3, p99: 3, max: 3, mean: 2 });
  });

  test('headline ratios are ctrmon ÷ anchor with their targets', () => {
    const { ratios } = report();
    assert.equal(ratios.startVsPodman.ratio, 0.75);
    assert.equal(ratios.startVsPodman.met, true);
    assert.equal(ratios.startVsRuntime.anchorName, 'bare runc (the floor)');
    assert.equal(ratios.privateMemory.ctrmon, 7);
    assert.equal(ratios.privateMemory.met, true);
    assert.equal(ratios.readyP99.ratio, 0.833); // p99 0.5 ÷ 0.6
    assert.equal(ratios.idleWakeups.met, true);
    assert.equal(ratios.floodBlock.met, true, 'ctrmon never stalled');
    assert.equal(ratios.stopVsPodman.met, null, 'information only');
    assert.equal(ratios.pullVsSkopeo.ratio, 0.6); // 0.9 ÷ 1.5
    assert.equal(ratios.pullVsSkopeo.met, true);
    assert.equal(ratios.pullVsPodman.ratio, 0.9);
    assert.equal(ratios.pullRss.met, true);
    assert.equal(ratios.autoUpdateCheck.ratio, 0.42); // 210 ÷ 500
    assert.equal(ratios.autoUpdateCheck.met, true);
    assert.equal(ratios.autoUpdateUpdate.ratio, 0.75);
    assert.equal(ratios.autoUpdateUpdate.met, true);
    assert.equal(ratios.autoUpdateRollback.ratio, 1.5);
    assert.equal(ratios.autoUpdateRollback.met, false);
    assert.equal(ratios.socketVsPodman.ratio, 0.55); // 110 ÷ 200 (nearest-rank median of two)
    assert.equal(ratios.socketVsPodman.target, 'information');
    assert.equal(ratios.socketVsPodman.met, null);
    assert.equal(ratios.socketVsRuntime.anchorName, 'bare runc (the floor)');
    assert.equal(ratios.socketVsRuntime.ratio, 2.619); // 110 ÷ 42
    assert.equal(ratios.monitorBundle.ratio, 0.833); // 200 KiB ÷ 240 KiB
    assert.equal(ratios.generatorStart.ratio, 0.8); // 32 ÷ 40
    assert.equal(ratios.generatorStart.anchorName, 'the baseline build');
    assert.equal(ratios.generatorFiles.ratio, 1.2); // 66 ÷ 55
    assert.equal(ratios.generatorFiles.metric, 'systemd generator over 100 .container files, median');
  });

  test('a monitor with ten keys: its start-to-active against the same monitor without them, met at <= 1.05x', () => {
    const r = report();
    assert.equal(r.ratios.startWithKeys, undefined, 'no row without the candidate');
    const s = (values: number[]) => summarize(values);
    r.startToActive['ctrmon-keys'] = { ...s([112, 124, 133]), failures: [] };
    const keys = headlineRatios(r).startWithKeys;
    assert.equal(keys.ratio, 1.033); // 124 ÷ 120
    assert.equal(keys.target, '<= 1.05x');
    assert.equal(keys.met, true);
    assert.match(keys.metric, /a monitor with ten keys costs no more start time than one without/);
    r.startToActive['ctrmon-keys'] = { ...s([126, 127, 140]), failures: [] };
    assert.equal(headlineRatios(r).startWithKeys.met, false); // 127 ÷ 120
    assert.equal(headlineRatios(r).startVsRuntime.anchorName, 'bare runc (the floor)', 'the floor is still the bare runtime');
  });

  test('the Markdown names the machine, every measurement and what was skipped', () => {
    const md = renderMarkdown(report());
    for (const heading of [
      '## Headline',
      '## Start-to-active',
      '## Stop',
      '## Relay latency',
      '## Memory per monitor',
      '## Idle cost',
      '## Notify flood',
      '## Pull and unpack',
      '## Auto-update',
      '## Socket activation',
      '## Footprint',
      '## Skipped',
    ]) {
      assert.ok(md.includes(heading), heading);
    }
    assert.match(md, /- crun: not wanted/);
    assert.match(
      md,
      /- ctrmon's own timings, update until active on the new image .*: checkMs 60, readyMs 200, totalMs 280, outsideUnitsMs 20/,
    );
    assert.match(md, /\| update until active on the new image \| podman \| 1 \| 400 \| 400 \| 400 \| 400 \| round 2: exit 125 \|/);
    assert.match(md, /\| podman \| 2 \| 200 \| 200 \| 250 \| 250 \| 0.31 \| 200, 250 \| round 3: answer "", not "hello \\\| x" \|/);
    assert.match(
      md,
      /\| first connection to a socket-activated service, .* \| 110 ms \| 200 ms \(podman \+ conmon\) \| 0.55x \| information \| {2}\|/,
    );
    assert.match(md, /\| ctrmon-baseline \| 240 \| 40 \| 180 \| 450 \| 38 \| 40 \| 42 \|/);
    assert.match(md, /The generator over 100 \.container files .* temporary \/run\/ctrmon\/systemd/);
    assert.match(md, /\| ctrmon-baseline \| 50 \| 55 \| 60 \|/);
    assert.match(
      md,
      /\| systemd generator over 100 \.container files, median \| 66 ms \| 55 ms \(the baseline build\) \| 1.2x \| information \|/,
    );
    assert.match(md, /\| start-to-active, median \| 120 ms \| 160 ms \(podman \+ conmon\) \| 0.75x \| <= 0.8x \| yes \|/);
  });

  test('the chart is one SVG with a box plot row per candidate', () => {
    const svg = renderChart(report());
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal(
      (svg.match(/<rect x=/g) ?? []).length,
      3 + 2 + 2 + 2 + 3,
      'boxes: start 3, stop 2, ready 2, steady 2, socket activation 3',
    );
    assert.ok(svg.trimEnd().endsWith('</svg>'));
  });
});
