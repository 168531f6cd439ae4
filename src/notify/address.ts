// NOTIFY_SOCKET as sd_notify(3) accepts it: an absolute path, or '@name' for the abstract
// namespace. vsock: addresses are refused by name rather than misread as a path.
import { CtrmonError } from '../errors';

export function parseNotifySocket(value: string): string {
  if (value.startsWith('/') || (value.startsWith('@') && value.length > 1)) return value;
  if (value.startsWith('vsock:')) {
    throw new CtrmonError('ERR_NOTIFY_SOCKET', `NOTIFY_SOCKET=${value}: vsock addresses are not supported`);
  }
  throw new CtrmonError('ERR_NOTIFY_SOCKET', `NOTIFY_SOCKET=${value}: expected an absolute path or @name for an abstract socket`);
}
