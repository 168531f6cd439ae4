// ctrmon's own errors: a stable code (grouped by subsystem), a message that names what failed,
// the thing that failed (path, unit, digest...), the error that caused it, and the exit code a
// command uses for it (podman's convention: 125 ctrmon itself, 126 not executable, 127 not found).

export const EXIT_CTRMON_ERROR = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

/** Every code ctrmon raises, by subsystem. */
export const ERROR_CODES = {
  options: ['ERR_INVALID_OPTION', 'ERR_INVALID_NAME'],
  source: ['ERR_BUNDLE_INVALID'],
  runtime: [
    'ERR_RUNTIME_NOT_FOUND',
    'ERR_RUNTIME_NOT_EXECUTABLE',
    'ERR_RUNTIME_FAILED',
    'ERR_CONTAINER_EXISTS',
    'ERR_COMMAND_NOT_FOUND',
    'ERR_COMMAND_NOT_EXECUTABLE',
  ],
  state: ['ERR_STATE', 'ERR_NAME_IN_USE'],
  notify: ['ERR_NOTIFY_SOCKET'],
  logs: ['ERR_LOG_OPEN', 'ERR_LOGS'],
  health: ['ERR_UNHEALTHY'],
  image: [
    'ERR_IMAGE_REFERENCE',
    'ERR_IMAGE_NOT_FOUND',
    'ERR_IMAGE_CONFIG',
    'ERR_REGISTRY',
    'ERR_REGISTRY_AUTH',
    'ERR_MANIFEST',
    'ERR_PLATFORM',
    'ERR_DIGEST_MISMATCH',
    'ERR_LAYER_UNSAFE',
    'ERR_LAYER_LIMIT',
    'ERR_STORE',
    'ERR_STORE_LOCKED',
  ],
  systemd: ['ERR_UNIT_FILE', 'ERR_SYSTEMD'],
  update: ['ERR_UPDATE', 'ERR_UPDATE_LOCKED'],
  events: ['ERR_EVENTS'],
  volumes: ['ERR_VOLUME'],
  secrets: ['ERR_SECRET'],
  network: ['ERR_NETWORK', 'ERR_PORT_IN_USE'],
  harness: ['ERR_HARNESS'],
  /** Not an expected failure: a bug or an environment ctrmon did not foresee. */
  internal: ['ERR_INTERNAL'],
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES][number];

/** What failed, for messages and structured logs. */
export interface ErrorSubject {
  path?: string;
  name?: string;
  runtime?: string;
  unit?: string;
  digest?: string;
}

export interface ErrorOptions {
  /** Defaults to 125. */
  exitCode?: number;
  /** The error that led to this one (Error.cause). */
  cause?: unknown;
}

export class CtrmonError extends Error {
  readonly exitCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly subject: ErrorSubject = {},
    options: ErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CtrmonError';
    this.exitCode = options.exitCode ?? EXIT_CTRMON_ERROR;
  }
}

/** Any thrown value as a CtrmonError: ctrmon's own as it is, anything else as ERR_INTERNAL with it as the cause. */
export function asCtrmonError(err: unknown, subject: ErrorSubject = {}): CtrmonError {
  if (err instanceof CtrmonError) return err;
  return new CtrmonError('ERR_INTERNAL', `internal error: ${errorMessage(err)}`, subject, { cause: err });
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
