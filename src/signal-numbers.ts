// Signal names and numbers from Node's own table (os.constants.signals): pure helpers that need no
// native addon, so that the unit generator and the systemd generator can use them.
import { constants } from 'node:os';

const numbers = constants.signals as Record<string, number | undefined>;
const names = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(constants.signals)) {
  if (!names.has(num)) names.set(num, name as NodeJS.Signals);
}

export function signalName(signal: number): NodeJS.Signals | null {
  return names.get(signal) ?? null;
}

export function signalNumber(signal: NodeJS.Signals | number): number {
  if (typeof signal === 'number') return signal;
  const num = numbers[signal];
  if (num === undefined) throw new TypeError(`unknown signal '${signal}'`);
  return num;
}

/** What ctrmon's monitor does with a signal it gets: TERM and INT stop the container; these it passes on to it (monitor/signals.ts). */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The exit code of a process that a signal killed: 128 + its number (137 for SIGKILL). */
export function signalExitCode(signal: NodeJS.Signals | number): number {
  return 128 + signalNumber(signal);
}
