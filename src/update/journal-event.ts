// Every update and rollback as one structured journal entry (journald's native protocol), so that
// `journalctl CTRMON_EVENT=rollback` or `journalctl UNIT=web.service` finds them. A machine without
// a journal loses nothing else: the entry is simply not sent.
import { JOURNAL_SOCKET, journalEntry } from '../logs/journald';
import { DatagramSocket } from '../native';
import type { UpdateReport } from './report';

const PRIORITY_NOTICE = '5';
const PRIORITY_WARNING = '4';
const PRIORITY_ERR = '3';

const EVENTS: Partial<Record<UpdateReport['Updated'], { event: string; priority: string; verb: string }>> = {
  true: { event: 'update', priority: PRIORITY_NOTICE, verb: 'updated' },
  'rolled back': { event: 'rollback', priority: PRIORITY_WARNING, verb: 'rolled back' },
  failed: { event: 'update-failed', priority: PRIORITY_ERR, verb: 'failed to update' },
};

/** Sends the entry for report, if its outcome is an event; false when there was no journal to take it. */
export function journalEvent(report: UpdateReport, socketPath = JOURNAL_SOCKET): boolean {
  const e = EVENTS[report.Updated];
  if (e === undefined) return true;
  const why = report.Cause ? ` (${report.Cause}${report.Error ? `: ${report.Error}` : ''})` : '';
  const fields: [string, string][] = [
    ['MESSAGE', `auto-update: ${report.Unit} ${e.verb}: ${report.Image} ${report.OldDigest} -> ${report.NewDigest ?? '-'}${why}`],
    ['PRIORITY', e.priority],
    ['SYSLOG_IDENTIFIER', 'ctrmon-auto-update'],
    ['CTRMON_EVENT', e.event],
    ['UNIT', report.Unit],
    ['CONTAINER_NAME', report.ContainerName],
    ['IMAGE', report.Image],
    // The digest that runs now, and the two the event was between.
    ['DIGEST', report.Updated === 'true' ? (report.NewDigest ?? '') : report.OldDigest],
    ['OLD_DIGEST', report.OldDigest],
    ['NEW_DIGEST', report.NewDigest ?? ''],
    ['CAUSE', report.Cause ?? ''],
  ];
  const socket = new DatagramSocket();
  try {
    socket.send(journalEntry(fields), socketPath);
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}
