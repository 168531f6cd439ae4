// The benchmark and the demo ship as bundles of their own (dist/ctrmon-bench.js, dist/ctrmon-demo.js,
// built from bench/ and demo/), loaded only by `ctrmon bench` and `ctrmon demo`: no other command,
// and never the monitor, the generator or the engine, carries their code.
import { createRequire } from 'node:module';

import { packagePath } from '../package-root';
import type * as Bench from '../../bench/index';
import type * as Demo from '../../demo/index';

interface Harnesses {
  'ctrmon-bench.js': typeof Bench;
  'ctrmon-demo.js': typeof Demo;
}

export function loadHarness<K extends keyof Harnesses>(bundle: K): Harnesses[K] {
  const { load } = createRequire(packagePath('package.json'))(packagePath('bin', 'load-bundle.js')) as {
    load(name: string): { exports: unknown };
  };
  return load(bundle).exports as Harnesses[K];
}
