// Orphans reparented to ctrmon (it is a child subreaper) are reaped on SIGCHLD, except the
// children of child_process (libuv's) and pids under a pidfd watch. While the container's pid
// is not yet known, reaping pauses: the container init may already be a zombie child of ours,
// and its exit status must reach the pidfd watch, not be thrown away here.
import type { Logger } from '../log';
import { reapOrphans } from '../native';
import { trackedPids } from './spawn';

export class OrphanReaper {
  private paused = 0;
  private pending = false;
  private readonly onSigchld = () => this.reap();

  constructor(private readonly log: Logger) {}

  start(): void {
    process.on('SIGCHLD', this.onSigchld);
  }

  stop(): void {
    process.off('SIGCHLD', this.onSigchld);
  }

  pause(): void {
    this.paused++;
  }

  resume(): void {
    if (this.paused > 0) this.paused--;
    if (this.paused === 0 && this.pending) this.reap();
  }

  private reap(): void {
    if (this.paused) {
      this.pending = true;
      return;
    }
    this.pending = false;
    for (const status of reapOrphans(trackedPids())) {
      this.log.debug({ orphan: status.pid, exitCode: status.exitCode, signal: status.signal }, 'reaped an orphan');
    }
  }
}
