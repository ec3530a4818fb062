/**
 * Timeouts a caller gives: checked once, and `Infinity` honoured as "no
 * timeout". `setTimeout` fires a delay beyond 2³¹ − 1 ms (about 24.8 days)
 * at once, with only a process warning, so `Infinity` would otherwise end a
 * wait as soon as it starts. And the clock that waits are measured on.
 *
 * @module
 */

/**
 * Now on the monotonic clock (ms), for how long something has waited: no
 * clock setting moves it (an NTP step, a user fixing the time), where
 * `Date.now()` set back an hour would make a wait last an hour longer, and
 * set forward would end it at once. Timers run on the same clock. A runtime
 * without `performance` gets `Date.now()`.
 */
export function monotonicNow(): number {
  return typeof performance === "undefined" ? Date.now() : performance.now();
}

/** The largest delay `setTimeout` honours (2³¹ − 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * A timeout a caller gave, checked: above 0 and at most
 * {@link MAX_TIMER_DELAY} ms, or `Infinity` (no timeout).
 *
 * @param what - what the timeout is of, for the error.
 * @param ms - the timeout.
 * @returns `ms`.
 * @throws RangeError for anything else (0, a negative number, `NaN`, a number not of type number).
 */
export function checkTimeout(what: string, ms: number): number {
  if (typeof ms !== "number" || !(ms > 0 && (ms <= MAX_TIMER_DELAY || ms === Infinity))) {
    throw new RangeError(`${what}: expected (0, ${MAX_TIMER_DELAY}] ms or Infinity, got ${String(ms)}`);
  }
  return ms;
}

/**
 * A delay a caller gave that must end (an interval, a wait between tries):
 * above 0 and at most {@link MAX_TIMER_DELAY} ms.
 *
 * @param what - what the delay is of, for the error.
 * @param ms - the delay.
 * @returns `ms`.
 * @throws RangeError for anything else (`Infinity` included).
 */
export function checkDelay(what: string, ms: number): number {
  if (typeof ms !== "number" || !(ms > 0 && ms <= MAX_TIMER_DELAY)) {
    throw new RangeError(`${what}: expected (0, ${MAX_TIMER_DELAY}] ms, got ${String(ms)}`);
  }
  return ms;
}

/** `setTimeout(fn, ms)` for a timeout {@link checkTimeout} accepted: no timer for `Infinity`. */
export function startTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> | undefined {
  return ms === Infinity ? undefined : setTimeout(fn, ms);
}
