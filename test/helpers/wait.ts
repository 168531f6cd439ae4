// Small waiting utilities for tests: they bound every wait so a broken behaviour fails, not hangs.
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls cond every 10 ms until it is true; rejects after timeoutMs naming what was awaited (what: also worked out then, to show what was seen). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await delay(10);
  }
}

/** Resolves with the first value passed to the callback it hands out, or rejects on timeout. */
export function nextValue<T>(timeoutMs: number, what: string): { cb: (v: T) => void; value: Promise<T> } {
  let cb!: (v: T) => void;
  const value = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    cb = (v: T) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  return { cb, value };
}
