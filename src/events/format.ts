// How `ctrmon events` prints events, in podman's shapes:
// - text (default): podman's line, `<time> container <status> <id> (image=..., name=...)`, with the
//   health status, the exit code and ctrmon's non-empty attributes (unit, digest ...) added inside
//   the parentheses; times in UTC, as Go prints them;
// - json: one podman event record per line (event.ts, PodmanEvent);
// - a Go template over podman's field names (.ID .Image .Name .Status .Time .Type
//   .ContainerExitCode .HealthStatus .Attributes.unit ...), one line per event; with the `table`
//   prefix, a header first, and the columns aligned when the whole list is printed at once.
import { type Template, alignColumns, parseTemplate, renderRow, templateHeader } from '../format/go-template';
import { type PodmanEvent, type TimedEntry, toPodmanEvent } from './event';

/** Go's time.Time.String() in UTC: `2026-11-30 08:16:08.123456 +0000 UTC` (trailing zeros of the fraction dropped). */
export function goTime(timeUsec: number): string {
  const iso = new Date(Math.floor(timeUsec / 1000)).toISOString();
  const fraction = `${iso.slice(20, 23)}${String(timeUsec % 1000).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

/** podman's human-readable line for a container event. */
export function textLine({ entry, timeUsec }: TimedEntry): string {
  const e = toPodmanEvent({ entry, timeUsec });
  const details = [`image=${e.Image}`, `name=${e.Name}`];
  if (e.health_status !== undefined) details.push(`health_status=${e.health_status}`);
  if (e.ContainerExitCode !== undefined) details.push(`exit_code=${e.ContainerExitCode}`);
  for (const [key, value] of Object.entries(e.Attributes)) if (value) details.push(`${key}=${value}`);
  return `${goTime(timeUsec)} ${e.Type} ${e.Status} ${e.ID} (${details.join(', ')})`;
}

/** What a template sees: the record under podman's Go field names, every field present. */
export function templateView(e: PodmanEvent): Record<string, unknown> {
  const { health_status, ...rest } = e;
  return { ...rest, ContainerExitCode: e.ContainerExitCode ?? null, HealthStatus: health_status ?? '' };
}

export type EventFormat = { kind: 'text' } | { kind: 'json' } | { kind: 'template'; source: string; template: Template };

/** --format: json, a Go template, or nothing (text); a template is checked before anything is read. */
export function parseFormat(format: string | undefined): EventFormat {
  if (format === undefined || format === '') return { kind: 'text' };
  if (format === 'json') return { kind: 'json' };
  return { kind: 'template', source: format, template: parseTemplate(format) };
}

/**
 * Prints events one by one. A `table` template's columns are aligned at end() when the whole list
 * is printed at once; when streaming, its header is printed first and each row as it comes.
 */
export class EventPrinter {
  private readonly held: string[] = [];
  private headerDone = false;

  constructor(
    private readonly format: EventFormat,
    private readonly write: (text: string) => void,
    private readonly stream: boolean,
  ) {}

  print(timed: TimedEntry): void {
    const f = this.format;
    if (f.kind === 'text') {
      this.write(`${textLine(timed)}\n`);
    } else if (f.kind === 'json') {
      this.write(`${JSON.stringify(toPodmanEvent(timed))}\n`);
    } else {
      this.printRow(f.template, renderRow(f.template, templateView(toPodmanEvent(timed)), f.source));
    }
  }

  private printRow(template: Template, row: string): void {
    if (!template.table) {
      this.write(`${row}\n`);
    } else if (!this.stream) {
      this.held.push(row);
    } else {
      if (!this.headerDone) this.write(`${templateHeader(template)}\n`);
      this.headerDone = true;
      this.write(`${row}\n`);
    }
  }

  /** The list is complete (not when streaming): aligned table rows go out now. */
  end(): void {
    const f = this.format;
    if (f.kind === 'template' && f.template.table && !this.stream) this.write(alignColumns([templateHeader(f.template), ...this.held]));
    this.held.length = 0;
  }
}
