// Whether a restarted unit really runs the image it should, judged by ctrmon and not only by the
// restart job (podman's only signal): the job is done, AND the new monitor's state file says ready
// on the expected digest, AND the unit stays up through a soak window: same invocation and main
// PID, no restart, health never unhealthy. Everything is bounded by ctrmon's own deadline, so a
// unit with TimeoutStartSec=infinity cannot hang a run. The state file is read every poll (a local
// read); systemd is asked only while soaking, and at a slower pace.
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage } from '../errors';
import { READINESS } from '../notify/readiness';
import { monitorAlive } from '../state/liveness';
import { stateFile } from '../state/paths';
import { readState } from '../state/reader';
import type { ContainerState } from '../state/types';
import type { JobResult, SystemdClient } from '../systemd/systemd-client';
import type { Cause } from './report';

export interface VerifyOptions {
  client: SystemdClient;
  stateDir: string;
  /** From the restart until READY. */
  timeoutMs: number;
  /** How long the unit must then stay up; 0 skips it. */
  soakMs: number;
  pollMs?: number;
}

export interface Verdict {
  ok: boolean;
  /** Why not: the step (start, readiness, soak) and what was seen. */
  cause?: Extract<Cause, 'start' | 'readiness' | 'soak'>;
  reason?: string;
  readyMs?: number;
  soakMs?: number;
}

const POLL_MS = 50;
const SYSTEMD_POLL_MS = 500;

function readContainer(stateDir: string, name: string): ContainerState | null {
  try {
    return readState(stateFile(stateDir, name));
  } catch {
    return null; // not written yet by the new monitor
  }
}

function exitText(s: Pick<ContainerState, 'exitCode' | 'exitSignal'>): string {
  return s.exitSignal ? `was killed by ${s.exitSignal}` : `exited with code ${s.exitCode}`;
}

/** Restarts unit and verifies that container comes up on digest and stays up. */
export async function restartAndVerify(unit: string, container: string, digest: string, o: VerifyOptions): Promise<Verdict> {
  const poll = o.pollMs ?? POLL_MS;
  // Starts that systemd counted before (StartLimitBurst=: updates in a row, a failed update) must not
  // refuse this one: the verdict is about the image, not about how often the unit was restarted.
  // The invocations before the restart: systemd's (empty after some failures) and the one the state file names.
  const [, shown] = await Promise.all([o.client.resetFailed(unit).catch(() => undefined), o.client.show(unit, 'InvocationID')]);
  const before = new Set([shown.InvocationID, readContainer(o.stateDir, container)?.invocationId]);
  const started = Date.now();
  let job: JobResult | Error | undefined;
  // The poll's sleep ends early when the job ends: for Type=notify that is the moment of READY.
  let wake: () => void = () => undefined;
  o.client.restart(unit).then(
    (r) => {
      job = r;
      wake();
    },
    (err: Error) => {
      job = err;
      wake();
    },
  );
  const fail = (cause: Verdict['cause'], reason: string): Verdict => ({ ok: false, cause, reason });

  // Up to READY.
  let invocation: string | null = null;
  let ready: ContainerState | null = null;
  while (ready === null) {
    if (job instanceof Error) return fail('start', errorMessage(job));
    const s = readContainer(o.stateDir, container);
    const manifest = s?.source.kind === 'image' ? s.source.manifestDigest : null;
    const fresh = s !== null && s.invocationId !== null && !before.has(s.invocationId);
    // A fresh state on another image, before the job is done, is systemd's own restart (Restart=) of the image being left.
    const ours = fresh && (manifest === null || manifest === digest);
    if (job !== undefined && job.result !== 'done') {
      return fail(
        'start',
        ours && s.phase === 'exited'
          ? `the container ${exitText(s)} before it was ready`
          : `the restart job ended "${job.result}"${job.serviceResult && job.serviceResult !== 'success' ? ` (${job.serviceResult})` : ''}`,
      );
    }
    if (fresh && !ours && job?.result === 'done') return fail('start', `the unit started ${manifest}, not ${digest}`);
    if (ours) {
      if (invocation !== null && s.invocationId !== invocation)
        return fail('start', 'the unit was restarted before the container was ready');
      invocation = s.invocationId;
      if (s.phase === 'exited') return fail('start', `the container ${exitText(s)} before it was ready`);
      if (s.phase === READINESS[s.sdnotify].readyPhase && job?.result === 'done') ready = s;
    }
    if (ready === null) {
      if (Date.now() - started >= o.timeoutMs) return fail('readiness', `not ready within ${o.timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, poll);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  const readyMs = Date.now() - started;
  if (o.soakMs <= 0) return { ok: true, readyMs, soakMs: 0 };

  // The soak window.
  const base = await o.client.show(unit, 'MainPID', 'NRestarts', 'InvocationID');
  const soakStart = Date.now();
  let lastAsked = soakStart;
  while (Date.now() - soakStart < o.soakMs) {
    await sleep(poll);
    const s = readContainer(o.stateDir, container);
    if (s === null || s.invocationId !== invocation) return { ...fail('soak', 'the unit was restarted'), readyMs };
    if (s.phase === 'exited' || !monitorAlive(s)) {
      return { ...fail('soak', `the container ${s.phase === 'exited' ? exitText(s) : 'lost its monitor'} after it was ready`), readyMs };
    }
    if (s.health?.status === 'unhealthy')
      return { ...fail('soak', `the container became unhealthy: ${s.health.lastOutput.trim()}`), readyMs };
    if (Date.now() - lastAsked >= SYSTEMD_POLL_MS) {
      lastAsked = Date.now();
      const now = await o.client.show(unit, 'ActiveState', 'MainPID', 'NRestarts', 'InvocationID');
      if (now.ActiveState !== 'active') return { ...fail('soak', `the unit became ${now.ActiveState}`), readyMs };
      if (now.InvocationID !== base.InvocationID || now.NRestarts !== base.NRestarts || now.MainPID !== base.MainPID) {
        return { ...fail('soak', 'the unit was restarted'), readyMs };
      }
    }
  }
  return { ok: true, readyMs, soakMs: Date.now() - soakStart };
}
