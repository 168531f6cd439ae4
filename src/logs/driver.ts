// The container's stdout and stderr. passthrough hands the runtime ctrmon's own stdout (under
// systemd: the journal stream), uncopied, and a pipe for stderr: what arrives on it before
// `create` returns is the runtime's own (its warnings and errors, which ctrmon logs as JSON or
// quotes in its error), everything after is the container's, copied to ctrmon's stderr as it is.
// The other drivers give the runtime pipes for both, which the container inherits, and copy each
// read to a sink.
import type { StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

import { CtrmonError } from '../errors';
import type { Logger } from '../log';
import { JOURNAL_SOCKET, JournaldSink } from './journald';
import { FdSink } from './fd-sink';
import { KubeFileSink } from './k8s-file';
import type { LogSink, OutputStream } from './sink';

export const LOG_DRIVERS = ['passthrough', 'k8s-file', 'journald', 'none'] as const;
export type LogDriverName = (typeof LOG_DRIVERS)[number];

export interface LogDriver {
  /** The stdio for the runtime's `create`; the container inherits it. */
  readonly stdio: StdioOptions;
  /** Where the output goes: the k8s-file path or the journal socket; null otherwise. */
  readonly path: string | null;
  /** Starts copying the container's output pipes (when the driver asked for pipes). */
  attach(stdout: Readable | null, stderr: Readable | null): void;
  /** Waits for the output to end (at most timeoutMs), then closes the sink. */
  close(timeoutMs: number): Promise<void>;
}

export interface LogDriverOptions {
  driver: LogDriverName;
  /** k8s-file: the log file; journald: the journal socket (default JOURNAL_SOCKET). */
  path?: string;
  defaultFilePath: string;
  sizeMax?: number;
  /** tag: journald's SYSLOG_IDENTIFIER (default the name). */
  container: { name: string; id: string; tag?: string };
  log: Logger;
}

class PipedDriver implements LogDriver {
  private readonly streams: Readable[] = [];

  constructor(
    private readonly sink: LogSink | null,
    readonly path: string | null,
    readonly stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
  ) {}

  attach(stdout: Readable | null, stderr: Readable | null): void {
    for (const [stream, name] of [
      [stdout, 'stdout'],
      [stderr, 'stderr'],
    ] as [Readable | null, OutputStream][]) {
      if (!stream) continue;
      this.streams.push(stream);
      stream.on('data', (chunk: Buffer) => this.sink?.write(name, chunk));
    }
  }

  async close(timeoutMs: number): Promise<void> {
    const ends = this.streams.map(
      (s) => new Promise<void>((resolve) => (s.readableEnded || s.destroyed ? resolve() : s.once('close', () => resolve()))),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ends), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const s of this.streams) s.destroy();
    this.sink?.close();
  }
}

export function createLogDriver(options: LogDriverOptions): LogDriver {
  switch (options.driver) {
    case 'passthrough':
      return new PipedDriver(new FdSink(2), null, ['ignore', 'inherit', 'pipe']);
    case 'none':
      return new PipedDriver(null, null);
    case 'k8s-file': {
      const file = options.path ?? options.defaultFilePath;
      let sink: KubeFileSink;
      try {
        sink = new KubeFileSink(file, options.sizeMax);
      } catch (err) {
        throw new CtrmonError('ERR_LOG_OPEN', `cannot open log file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
      }
      return new PipedDriver(sink, file);
    }
    case 'journald': {
      const socket = options.path ?? JOURNAL_SOCKET;
      return new PipedDriver(new JournaldSink(options.container, socket, options.log), socket);
    }
  }
}
