// `ctrmon events`: the containers' events (create, start, ready, health_status, stop, died, and the
// auto-update engine's update, rollback, update-failed) read back from the journal and the
// fallback file (events/reader.ts), printed in podman's shapes (events/format.ts).
import type { Command } from 'commander';

import { type EventFollower, followEvents, readEvents } from '../events/reader';
import { EventPrinter, parseFormat } from '../events/format';
import { buildQuery } from '../events/query';
import type { Host } from '../host/host';
import { pathOption } from './flag-option';

interface EventsFlags {
  since?: string;
  until?: string;
  filter: string[];
  format?: string;
  stream: boolean;
  stateDir: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const bool = (v: string) => v !== 'false';

export function registerEvents(program: Command, host: Host): void {
  program
    .command('events')
    .description("show the containers' events (from the journal, and the fallback file under the state directory)")
    .option('--since <time>', 'events since this time (2026-11-30T08:16:08Z, 2026-11-30 08:16, a Unix time) or this long ago (10m, 1h30m)')
    .option('--until <time>', 'events until this time, in the same forms')
    .option('-f, --filter <key=value>', 'container=NAME, event=EVENT (or status=), unit=UNIT; repeatable', collect, [])
    .option('--format <format>', 'json (one object per line) or a Go template such as "{{.Name}} {{.Status}}"')
    .option('--stream [bool]', 'keep printing new events as they come', bool, false)
    .addOption(pathOption('stateDir', host))
    .action(async (flags: EventsFlags) => {
      const query = buildQuery(flags);
      const printer = new EventPrinter(parseFormat(flags.format), (text) => process.stdout.write(text), flags.stream);
      const reader = { stateDir: flags.stateDir, query };
      const list = await readEvents(reader);
      for (const e of list.events) printer.print(e);
      printer.end();
      if (!flags.stream) return;
      await follow(
        followEvents(reader, list, (e) => printer.print(e)),
        query.untilUsec,
      );
    });
}

/** Until SIGINT, SIGTERM, a closed stdout, --until, or a failure of journalctl. */
async function follow(follower: EventFollower, untilUsec: number | undefined): Promise<void> {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  process.stdout.once('error', end);
  const untilMs = untilUsec === undefined ? Number.POSITIVE_INFINITY : Math.max(0, untilUsec / 1000 - Date.now());
  const timer = untilMs < 2 ** 31 - 1 ? setTimeout(end, untilMs) : undefined; // setTimeout's longest delay
  try {
    await Promise.race([ended, follower.failed]);
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
    await follower.stop();
  }
}
