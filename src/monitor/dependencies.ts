// What the monitor takes from outside rather than building itself: the OCI runtime, the notify
// relay and the log driver. Production passes the real ones (PRODUCTION_DEPENDENCIES); the unit
// tests pass stand-ins, so the lifecycle runs without root, runc or a native relay thread.
import { createLogDriver, type LogDriver, type LogDriverOptions } from '../logs/driver';
import { NotifyRelay, type RelayOptions } from '../notify/relay';
import { OciRuntime, type RuntimeOptions } from '../runtime/oci-runtime';
import { resolveRuntime } from '../runtime/resolve';

/** What the monitor asks of the OCI runtime. */
export type ContainerRuntime = Pick<OciRuntime, 'runtime' | 'name' | 'create' | 'state' | 'start' | 'delete' | 'exec'>;

/** What the monitor asks of the container's notify relay. */
export type ContainerNotifyRelay = Pick<NotifyRelay, 'start' | 'close' | 'stats'>;

export interface MonitorDependencies {
  /** The runtime --runtime names (a name on PATH, a path, or none for the host's default). */
  createRuntime(spec: string | undefined, options: RuntimeOptions): ContainerRuntime;
  createNotifyRelay(options: RelayOptions): ContainerNotifyRelay;
  createLogDriver(options: LogDriverOptions): LogDriver;
}

export const PRODUCTION_DEPENDENCIES: MonitorDependencies = {
  createRuntime: (spec, options) => new OciRuntime(resolveRuntime(spec), options),
  createNotifyRelay: (options) => new NotifyRelay(options),
  createLogDriver,
};
