// Signals ctrmon handles as a unit's main PID: TERM and INT stop the container gracefully; HUP,
// QUIT, USR1 and USR2 are passed on to it (HUP is how Type=notify-reload units reload). A
// listener replaces Node's default action for each of them.
import { FORWARDED_SIGNALS } from '../signal-numbers';

export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface SignalHandlers {
  stop(signal: NodeJS.Signals): void;
  forward(signal: NodeJS.Signals): void;
}

/** Installs the handlers; returns a function that removes them. */
export function handleSignals(handlers: SignalHandlers): () => void {
  const installed: [NodeJS.Signals, () => void][] = [
    ...STOP_SIGNALS.map((s): [NodeJS.Signals, () => void] => [s, () => handlers.stop(s)]),
    ...FORWARDED_SIGNALS.map((s): [NodeJS.Signals, () => void] => [s, () => handlers.forward(s)]),
  ];
  for (const [signal, fn] of installed) process.on(signal, fn);
  return () => {
    for (const [signal, fn] of installed) process.off(signal, fn);
  };
}
