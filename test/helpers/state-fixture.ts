// A state file's contents for tests: a bundle container whose monitor is gone, in phase running.
import type { ContainerState } from '../../src/state/types';

export function containerState(name: string, extra: Partial<ContainerState> = {}): ContainerState {
  return {
    version: 1,
    name,
    monitorPid: 999_999,
    monitorStartTime: null,
    containerPid: null,
    runtime: { name: 'runc', path: '/usr/sbin/runc', args: [] },
    bundle: '/b',
    source: { kind: 'bundle', path: '/b' },
    sdnotify: 'container',
    unit: null,
    invocationId: null,
    labels: {},
    phase: 'running',
    timestamps: { created: new Date().toISOString(), started: null, ready: null, stopping: null, exited: null },
    exitCode: null,
    exitSignal: null,
    health: null,
    logDriver: 'passthrough',
    logPath: null,
    error: null,
    ...extra,
  };
}
