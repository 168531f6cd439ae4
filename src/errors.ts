// ctrmon's own errors: a stable code, a message that names what failed, and the exit code the
// monitor uses for it (podman's convention: 125 ctrmon itself, 126 runtime not executable,
// 127 runtime not found).

export const EXIT_CTRMON_ERROR = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_NAME'
  | 'ERR_BUNDLE_INVALID'
  | 'ERR_RUNTIME_NOT_FOUND'
  | 'ERR_RUNTIME_NOT_EXECUTABLE'
  | 'ERR_RUNTIME_FAILED'
  | 'ERR_CONTAINER_EXISTS'
  | 'ERR_NAME_IN_USE'
  | 'ERR_STATE'
  | 'ERR_NOTIFY_SOCKET'
  | 'ERR_UNIT_FILE';

/** What failed, for messages and structured logs. */
export interface ErrorSubject {
  path?: string;
  name?: string;
  runtime?: string;
  unit?: string;
  digest?: string;
}

export class CtrmonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly subject: ErrorSubject = {},
    readonly exitCode: number = EXIT_CTRMON_ERROR,
  ) {
    super(message);
    this.name = 'CtrmonError';
  }
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
