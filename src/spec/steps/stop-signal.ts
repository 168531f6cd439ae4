// The signal that asks the container to stop: --stop-signal when given (podman: even as SIGTERM);
// otherwise SIGRTMIN+3 for an init in systemd mode; otherwise the source's own (an image's
// StopSignal). None of them: the monitor sends SIGTERM.
import type { RuntimeSpec } from '../oci';
import { SYSTEMD_STOP_SIGNAL } from './systemd-mode';

export interface StopSignalInputs {
  /** --stop-signal. */
  stopSignal?: NodeJS.Signals;
  /** The source's own: an image's StopSignal, as the image writes it. */
  ownStopSignal?: string;
}

export function applyStopSignal(spec: RuntimeSpec, { stopSignal, ownStopSignal }: StopSignalInputs): void {
  spec.stopSignal = stopSignal ?? (spec.systemdMode ? SYSTEMD_STOP_SIGNAL : ownStopSignal);
}
