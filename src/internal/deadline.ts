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
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error, late?: (value: T) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let timedOut = false
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true
      reject(onTimeout())
    }, timeoutMs)
  })
  if (late !== undefined) {
    work.then(
      (value) => {
        if (timedOut) late(value)
      },
      () => {},
    )
  }
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}
