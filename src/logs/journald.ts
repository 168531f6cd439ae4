// Container output to the journal through journald's native datagram protocol, with the fields
// conmon sets: MESSAGE, PRIORITY (6 stdout, 3 stderr), CONTAINER_NAME, CONTAINER_ID(_FULL) and
// SYSLOG_IDENTIFIER. Partial lines are held per stream until their newline or 8 KiB, then sent
// with CONTAINER_PARTIAL_MESSAGE=true. Sending never blocks: a full or missing journal socket
// queues a bounded number of entries.
import { QueuedDatagramSender } from '../dgram/queued-sender';
import { parseTemplate, renderRow } from '../format/go-template';
import type { Logger } from '../log';
import { splitOutput } from './lines';
import type { LogSink, OutputStream } from './sink';

export const JOURNAL_SOCKET = '/run/systemd/journal/socket';
const PARTIAL_MAX = 8192;
const PRIORITY: Record<OutputStream, string> = { stdout: '6', stderr: '3' };

/** One journal entry in the native protocol; values with a newline use the binary form. */
export function journalEntry(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of fields) {
    const data = Buffer.from(value, 'latin1');
    if (data.includes(0x0a)) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(data.length));
      parts.push(Buffer.from(`${key}\n`), len, data, Buffer.from('\n'));
    } else {
      parts.push(Buffer.from(`${key}=`), data, Buffer.from('\n'));
    }
  }
  return Buffer.concat(parts);
}

/** podman's --log-opt tag=: a template of the container's Name, ID and ImageName. */
export function logTag(template: string, container: { name: string; id: string; image: string }): string {
  return renderRow(parseTemplate(template), { Name: container.name, ID: container.id, ImageName: container.image }, template);
}

export class JournaldSink implements LogSink {
  private readonly sender: QueuedDatagramSender;
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };

  constructor(
    /** tag: the SYSLOG_IDENTIFIER (default the name). */
    private readonly container: { name: string; id: string; tag?: string },
    socketPath: string,
    log: Logger,
  ) {
    this.sender = new QueuedDatagramSender(socketPath, { limit: 1024, log, peer: 'journal' });
  }

  write(stream: OutputStream, chunk: Buffer): void {
    for (const line of splitOutput(chunk)) {
      const text = this.partial[stream] + line.text;
      if (!line.partial) {
        this.partial[stream] = '';
        this.send(stream, text, false);
      } else if (text.length >= PARTIAL_MAX) {
        this.partial[stream] = '';
        this.send(stream, text, true);
      } else {
        this.partial[stream] = text;
      }
    }
  }

  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.send(stream, this.partial[stream], true);
    }
    this.sender.drainNow();
    this.sender.close();
  }

  private send(stream: OutputStream, message: string, partial: boolean): void {
    const { name, id, tag } = this.container;
    const fields: [string, string][] = [
      ['MESSAGE', message],
      ['PRIORITY', PRIORITY[stream]],
      ['CONTAINER_NAME', name],
      ['CONTAINER_ID', id.slice(0, 12)],
      ['CONTAINER_ID_FULL', id],
      ['SYSLOG_IDENTIFIER', tag ?? name],
    ];
    if (partial) fields.push(['CONTAINER_PARTIAL_MESSAGE', 'true']);
    this.sender.send(journalEntry(fields));
  }
}
