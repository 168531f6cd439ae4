// The phase a state is in follows from its timestamps, whatever order the events came in (READY
// can arrive before `runtime start` returns): exited, else stopping, else ready, else running once
// started, else creating.
import type { ContainerState, Phase } from './types';

export function phaseOf(t: ContainerState['timestamps']): Phase {
  if (t.exited) return 'exited';
  if (t.stopping) return 'stopping';
  if (t.ready) return 'ready';
  if (t.started) return 'running';
  return 'creating';
}
