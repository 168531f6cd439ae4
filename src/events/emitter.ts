// The monitor's side of container events: create, start, ready, health_status, stop and died (with
// the exit code), each one journal entry with the container's name, image, digest and unit.
//
// Where they go is decided once, at start: to journald when its socket exists (through a bounded
// queued sender that never blocks: a full or slow journal queues up to 64 entries, then drops the
// oldest), otherwise to the capped fallback file under the state directory (event-file.ts). A
// machine without a journal thus never gets a sender retrying against a socket that will not come.
import { existsSync } from 'node:fs';

import { QueuedDatagramSender } from '../dgram/queued-sender';
import { errorMessage } from '../errors';
import type { Logger } from '../log';
import { ThrottledWarnings } from '../log-throttle';
import { JOURNAL_SOCKET } from '../logs/journald';
import type { ContainerState } from '../state/types';
import { EVENT_IDENTIFIERS, type EventEntry, type MonitorEventName, PRIORITY, journalDatagram } from './event';
import { EventFile, eventFilePath } from './event-file';

/** Entries kept for a journal that is full or slow. */
const JOURNAL_QUEUE_LIMIT = 64;
/** Events that happen once per run; health_status may repeat. */
const ONCE: ReadonlySet<MonitorEventName> = new Set(['create', 'start', 'ready', 'stop', 'died']);

/** What every entry says about the container. */
export interface EventSubject {
  container: string;
  /** The image reference as written, or the bundle's path. */
  image: string;
  digest?: string;
  unit?: string;
}

export interface EventDetail {
  exitCode?: number;
  healthStatus?: string;
}

export function subjectOf(state: ContainerState): EventSubject {
  const source = state.source;
  return {
    container: state.name,
    image: source.kind === 'image' ? source.reference : source.path,
    digest: source.kind === 'image' ? (source.manifestDigest ?? undefined) : undefined,
    unit: state.unit ?? undefined,
  };
}

/** The entry of a monitor event: a one-line MESSAGE, its priority, the subject's fields. */
export function monitorEntry(event: MonitorEventName, subject: EventSubject, detail: EventDetail = {}): EventEntry {
  const name = subject.container;
  let message: string;
  let priority: string = PRIORITY.info;
  switch (event) {
    case 'create':
      message = `container ${name} created`;
      break;
    case 'start':
      message = `container ${name} started`;
      break;
    case 'ready':
      message = `container ${name} is ready`;
      break;
    case 'health_status':
      message = `container ${name} is ${detail.healthStatus}`;
      if (detail.healthStatus === 'unhealthy') priority = PRIORITY.warning;
      break;
    case 'stop':
      message = `container ${name} is stopping`;
      priority = PRIORITY.notice;
      break;
    case 'died':
      message = `container ${name} died (exit code ${detail.exitCode})`;
      if (detail.exitCode !== 0) priority = PRIORITY.warning;
      break;
  }
  return {
    message,
    priority,
    identifier: EVENT_IDENTIFIERS.monitor,
    event,
    unit: subject.unit,
    container: name,
    image: subject.image,
    digest: subject.digest,
    exitCode: event === 'died' ? detail.exitCode : undefined,
    healthStatus: event === 'health_status' ? detail.healthStatus : undefined,
  };
}

export interface MonitorEventsOptions {
  stateDir: string;
  /** The subject as of now (the digest and unit are known once the source is prepared). */
  subject: () => EventSubject;
  log: Logger;
  /** journald's socket (a test's stand-in). */
  journalSocket?: string;
}

export class MonitorEvents {
  readonly destination: 'journal' | 'file';
  private readonly sender?: QueuedDatagramSender;
  private readonly file?: EventFile;
  private readonly sent = new Set<MonitorEventName>();
  private readonly warnings: ThrottledWarnings;

  constructor(private readonly options: MonitorEventsOptions) {
    this.warnings = new ThrottledWarnings(options.log);
    const socket = options.journalSocket ?? JOURNAL_SOCKET;
    if (existsSync(socket)) {
      this.destination = 'journal';
      this.sender = new QueuedDatagramSender(socket, { limit: JOURNAL_QUEUE_LIMIT, log: options.log, peer: 'journal (events)' });
    } else {
      this.destination = 'file';
      this.file = new EventFile(eventFilePath(options.stateDir));
    }
  }

  /**
   * Records the event; never throws and never waits. Each event but health_status is recorded once
   * per run, and none before create: a run that ended before its container existed (a stop during
   * a pull, a bundle that is not valid) has no container to stop or to die.
   */
  emit(event: MonitorEventName, detail: EventDetail = {}): void {
    if (event !== 'create' && !this.sent.has('create')) return;
    if (ONCE.has(event)) {
      if (this.sent.has(event)) return;
      this.sent.add(event);
    }
    const entry = monitorEntry(event, this.options.subject(), detail);
    if (this.sender) {
      this.sender.send(journalDatagram(entry));
      return;
    }
    try {
      this.file!.append(entry);
    } catch (err) {
      this.warnings.warn('events-file', { path: this.file!.path, err: errorMessage(err) }, 'cannot write the events file');
    }
  }

  /** One last non-blocking send of what waits for the journal, then the socket is closed. */
  close(): void {
    this.sender?.drainNow();
    this.sender?.close();
    this.warnings.flush();
  }
}
