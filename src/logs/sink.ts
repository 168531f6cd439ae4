// Where the container's piped output goes, one chunk (one read) at a time.
export type OutputStream = 'stdout' | 'stderr';

export interface LogSink {
  write(stream: OutputStream, chunk: Buffer): void;
  close(): void;
}
