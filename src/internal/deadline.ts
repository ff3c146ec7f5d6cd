/**
 * One deadline race for everything that waits on I/O (store calls, start-up connections), so a timer is
 * always cleared and the late result never surfaces.
 *
 * @module
 */

/**
 * `work`, or a rejection with `onTimeout()` once `timeoutMs` has passed. The timer is cleared either
 * way; `work` keeps running, and its late outcome is ignored (handle it with `late` when it holds a
 * resource, such as a pooled connection that must go back).
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error, late?: (value: T) => void): Promise<T> {
  // One promise and one timer (no Promise.race and no second promise to lose it to): every shared-store
  // call goes through here, so this is on the hot path of each token request.
  return new Promise<T>((resolve, reject) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      reject(onTimeout())
    }, timeoutMs)
    work.then(
      (value) => {
        clearTimeout(timer)
        if (!timedOut) resolve(value)
        else late?.(value)
      },
      // The work's own rejection, passed on as it came (callers map it).
      (error: Error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
