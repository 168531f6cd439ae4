// Every update and rollback as one structured journal entry (journald's native protocol), so that
// `journalctl CTRMON_EVENT=rollback`, `journalctl UNIT=web.service` and `ctrmon events` find them.
// The names and fields are the container events' (events/event.ts). Where there is no journal the
// entry goes to the events' fallback file under the state directory, as the monitor's do.
import { existsSync } from 'node:fs';

import { EVENT_IDENTIFIERS, type EventEntry, PRIORITY, type UpdateEventName, journalDatagram } from '../events/event';
import { EventFile, eventFilePath } from '../events/event-file';
import { JOURNAL_SOCKET } from '../logs/journald';
import { DatagramSocket } from '../native';
import type { UpdateReport } from './report';

const EVENTS: Partial<Record<UpdateReport['Updated'], { event: UpdateEventName; priority: string; verb: string }>> = {
  true: { event: 'update', priority: PRIORITY.notice, verb: 'updated' },
  'rolled back': { event: 'rollback', priority: PRIORITY.warning, verb: 'rolled back' },
  failed: { event: 'update-failed', priority: PRIORITY.err, verb: 'failed to update' },
};

/** The entry for report, or null when its outcome is not an event (no update, pending). */
export function updateEntry(report: UpdateReport): EventEntry | null {
  const e = EVENTS[report.Updated];
  if (e === undefined) return null;
  const why = report.Cause ? ` (${report.Cause}${report.Error ? `: ${report.Error}` : ''})` : '';
  return {
    message: `auto-update: ${report.Unit} ${e.verb}: ${report.Image} ${report.OldDigest} -> ${report.NewDigest ?? '-'}${why}`,
    priority: e.priority,
    identifier: EVENT_IDENTIFIERS.update,
    event: e.event,
    unit: report.Unit,
    container: report.ContainerName,
    image: report.Image,
    // The digest that runs now, and the two the event was between.
    digest: report.Updated === 'true' ? (report.NewDigest ?? '') : report.OldDigest,
    oldDigest: report.OldDigest,
    newDigest: report.NewDigest ?? '',
    cause: report.Cause ?? '',
  };
}

/** Sends the entry for report, if its outcome is an event; false when there was no journal to take it. */
export function journalEvent(report: UpdateReport, socketPath = JOURNAL_SOCKET): boolean {
  const entry = updateEntry(report);
  if (entry === null) return true;
  const socket = new DatagramSocket();
  try {
    socket.send(journalDatagram(entry), socketPath);
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

/**
 * The entry for report in the journal when its socket exists, otherwise in the fallback file
 * under stateDir. Never throws: the run's report and hooks say the same.
 */
export function recordUpdateEvent(report: UpdateReport, stateDir: string, socketPath = JOURNAL_SOCKET): void {
  if (existsSync(socketPath)) {
    journalEvent(report, socketPath);
    return;
  }
  const entry = updateEntry(report);
  try {
    if (entry) new EventFile(eventFilePath(stateDir)).append(entry);
  } catch {
    // a state directory that cannot be written: nothing else to tell
  }
}
