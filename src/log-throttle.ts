// Warnings that a container can provoke at will (malformed datagrams, a full queue) are logged
// at most once per interval and key, with the count of those held back, so a flood cannot
// flood the journal too. No timers: the count is reported with the next warning or at close.
import type { Logger } from './log';

export class ThrottledWarnings {
  private readonly last = new Map<string, { at: number; suppressed: number; msg: string }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.log.warn(suppressed ? { ...fields, suppressed } : fields, msg);
    this.last.set(key, { at: now, suppressed: 0, msg });
  }

  /** Reports what was held back since the last warning of each key. */
  flush(): void {
    for (const [key, entry] of this.last) {
      if (entry.suppressed) this.log.warn({ key, suppressed: entry.suppressed }, `${entry.msg} (repeated)`);
      entry.suppressed = 0;
    }
  }
}
