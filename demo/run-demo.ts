// `ctrmon demo`: the built-in demo container under `ctrmon monitor`, with a listener standing in
// for systemd's notify socket, so that what a unit would see is shown: READY relayed from the
// application, then the container's exit code as ctrmon's own.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import { NotifyListener } from '../test/lab/notify-recorder';
import { readState } from '../src/state/reader';
import { stateFile } from '../src/state/paths';
import { packagePath } from '../src/package-root';
import { buildDemoBundle } from '../test/lab/demo-bundle';

export interface DemoOptions {
  workDir: string;
  runtime: string;
  /** The exit status the demo application ends with. */
  exitCode: number;
  print: (line: string) => void;
}

/** Returns 0 when READY was relayed and the exit code passed through, 1 otherwise. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { print } = options;
  const bundle = buildDemoBundle(path.join(options.workDir, 'bundle'));
  const stateDir = path.join(options.workDir, 'state');
  mkdirSync(stateDir, { recursive: true });
  const started = Date.now();
  const listener = new NotifyListener(path.join(options.workDir, 'notify.sock'), (a) =>
    print(`[systemd stand-in] +${a.wallMs - started} ms from pid ${a.pid}: ${JSON.stringify(a.payload)}`),
  );
  const args = [
    packagePath('bin', 'ctrmon.js'),
    'monitor',
    '--runtime',
    options.runtime,
    '--bundle',
    bundle,
    '--state-dir',
    stateDir,
    '--sdnotify',
    'container',
    '--log-level',
    'warn',
    '-e',
    'READY_DELAY=1',
    '-e',
    'EXIT_AFTER=2',
    '-e',
    `EXIT_CODE=${options.exitCode}`,
    'ctrmon-demo',
  ];
  print(`$ NOTIFY_SOCKET=${listener.address} ctrmon ${args.slice(1).join(' ')}`);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NOTIFY_SOCKET: listener.address },
  });
  print(`[demo] ctrmon runs as pid ${child.pid}`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  listener.close();
  const state = readState(stateFile(stateDir, 'ctrmon-demo'));
  const readyMs = state.timestamps.ready ? Date.parse(state.timestamps.ready) - Date.parse(state.timestamps.created) : null;
  const relayed = listener.arrivals.some((a) => a.payload.split('\n').includes('READY=1') && a.pid === child.pid);
  print(`[demo] ctrmon exited with ${code}; the container's exit code was ${state.exitCode}`);
  print(`[demo] READY relayed: ${relayed ? `yes, from ctrmon (pid ${child.pid}), ${readyMs} ms after start` : 'no'}`);
  print(`[demo] state file: ${stateFile(stateDir, 'ctrmon-demo')} (phase ${state.phase})`);
  const ok = relayed && code === options.exitCode && state.exitCode === options.exitCode;
  print(ok ? '[demo] OK: READY was relayed and the exit code passed through' : '[demo] FAILED: see above');
  return ok ? 0 : 1;
}
