// What a run that was killed left behind, put right before anything else (the lock is held, so its
// writer is gone). The intent record names the unit and its verified image (`from`): the pin is
// removed, the reference names `from` again (it only ever moves after verification, but a kill
// between the two writes of a commit is possible), and unless the unit is already running `from`,
// ready, it is restarted and verified on it. An update that was interrupted is then simply tried
// again by the same run, from a known state: nothing is left half done, and nothing is quarantined
// for having been interrupted.
import { errorMessage } from '../errors';
import { monitorAlive } from '../state/liveness';
import { stateFile } from '../state/paths';
import { readState } from '../state/reader';
import { ImageStore } from '../image/store/store';
import { plainDescriptor } from '../image/store/index-file';
import { clearIntent, readIntent } from './intent';
import { ImagePin } from './pin';
import type { UpdateDir } from './records';
import { restoreDependents } from './dependents';
import { restartAndVerify, type VerifyOptions } from './verify';

/** What a recovery needs: verification as an update does it, and where progress lines go. */
export interface RecoveryOptions extends VerifyOptions {
  progress?: (line: string) => void;
}

/** Settles an interrupted run's unit, if any; returns the units it settled. */
export async function recoverInterrupted(dir: UpdateDir, o: RecoveryOptions): Promise<string[]> {
  const intent = readIntent(dir.intent);
  if (intent === undefined) return [];
  const { unit, container, from } = intent;
  o.progress?.(`Recovering ${unit}: a run (pid ${intent.pid}) was interrupted while moving it to ${intent.to.digest}`);
  new ImagePin(o.stateDir).unpin(container);
  const store = await ImageStore.open(intent.root);
  if (store.resolve(intent.name)?.digest !== from.digest) await store.tag(intent.name, plainDescriptor(from));
  let running: string | null = null;
  try {
    const s = readState(stateFile(o.stateDir, container));
    if (s.phase === 'ready' && monitorAlive(s) && s.source.kind === 'image') running = s.source.manifestDigest;
  } catch {
    // no state: the unit is restarted below
  }
  if (running !== from.digest || (await o.client.isActive(unit)) !== 'active') {
    const verdict = await restartAndVerify(unit, container, from.digest, o);
    await restoreDependents(o.client, intent.dependents).catch((err) => o.progress?.(`Recovering ${unit}: ${errorMessage(err)}`));
    if (!verdict.ok) {
      clearIntent(dir.intent);
      o.progress?.(`Recovering ${unit}: it did not come back on ${from.digest}: ${verdict.reason}`);
      return [unit];
    }
  }
  clearIntent(dir.intent);
  o.progress?.(`Recovering ${unit}: back on ${from.digest}`);
  return [unit];
}
