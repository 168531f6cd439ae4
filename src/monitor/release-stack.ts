// What the monitor has taken, given back in reverse order: one teardown for the normal end and
// for every failure, so that a resource added later (a rootfs mount, a lease) is released on both
// paths by pushing one step. A step that fails is logged and the others still run.
import { errorMessage } from '../errors';
import type { Logger } from '../log';

type Step = { what: string; run: () => Promise<void> | void };

export class ReleaseStack {
  private readonly steps: Step[] = [];

  push(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  async release(log: Logger): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        log.error({ err: errorMessage(err), step: step.what }, `releasing ${step.what} failed`);
      }
    }
  }
}
