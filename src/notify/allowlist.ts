// Which sd_notify lines a container may say to systemd: conmon's allowlist, and nothing else.
// MAINPID*, NOTIFYACCESS=, FDSTORE*, FDNAME=, FDPOLL=, WATCHDOG_USEC=, RESTART_RESET= and BARRIER=
// would let a container repoint, re-time or outlive its unit. EXTEND_TIMEOUT_USEC= passes only
// when the user allows it, clamped to their cap. The rules live in native/notify_filter.cc, where
// the relay applies them to every datagram without entering JavaScript; this is their JS face.
import { filterNotifyMessage } from '../native';

export interface FilterOptions {
  /** Forward EXTEND_TIMEOUT_USEC= clamped to this many microseconds; undefined drops it. */
  extendTimeoutMaxUsec?: number;
}

export interface FilteredMessage {
  /** The lines that may go to systemd, in their original order. */
  kept: string[];
  /** The names (text before '=') of the lines that were dropped. */
  dropped: string[];
}

/** Splits a datagram into lines (on '\n' and '\r', like conmon) and keeps the allowed ones; bytes are latin1. */
export function filterMessage(text: string, options: FilterOptions = {}): FilteredMessage {
  return filterNotifyMessage(Buffer.from(text, 'latin1'), options.extendTimeoutMaxUsec);
}
