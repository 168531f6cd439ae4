// Which sd_notify lines a container may say to systemd. ctrmon relays conmon's allowlist and
// nothing else: MAINPID*, NOTIFYACCESS=, FDSTORE*, FDNAME=, FDPOLL=, WATCHDOG_USEC=,
// RESTART_RESET= and BARRIER= would let a container repoint, re-time or outlive its unit.
// EXTEND_TIMEOUT_USEC= passes only when the user allows it, clamped to their cap.

const EXACT = new Set(['READY=1', 'RELOADING=1', 'STOPPING=1', 'WATCHDOG=1', 'WATCHDOG=trigger']);
const PREFIXES = ['STATUS=', 'ERRNO=', 'BUSERROR=', 'MONOTONIC_USEC='];
const EXTEND = 'EXTEND_TIMEOUT_USEC=';

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

/**
 * Splits a datagram into lines (on '\n' and '\r', like conmon) and keeps the allowed ones. The
 * text is handled as latin1 so that every byte of a STATUS= value survives unchanged.
 */
export function filterMessage(text: string, options: FilterOptions = {}): FilteredMessage {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const line of text.split(/[\n\r]/)) {
    if (line === '') continue;
    if (EXACT.has(line) || PREFIXES.some((p) => line.startsWith(p))) {
      kept.push(line);
    } else if (line.startsWith(EXTEND) && options.extendTimeoutMaxUsec !== undefined && /^\d+$/.test(line.slice(EXTEND.length))) {
      const usec = Math.min(Number(line.slice(EXTEND.length)), options.extendTimeoutMaxUsec);
      kept.push(`${EXTEND}${usec}`);
    } else {
      const eq = line.indexOf('=');
      dropped.push(eq >= 0 ? line.slice(0, eq) : line);
    }
  }
  return { kept, dropped };
}
