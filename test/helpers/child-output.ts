/**
 * Waiting for a child process to say something, without polling: resolves on the `data` event after
 * which the output matches, and fails at once when the child exits first (or at the deadline).
 */
import type { ChildProcess } from 'node:child_process'

/** Options of {@link waitForOutput}. */
export interface WaitOptions {
  /** Which output to read. Default both. */
  readonly stream?: 'stdout' | 'stderr'
  /** How long to wait, in milliseconds. Default 20 s (a deadline for a stuck child, never an assertion on speed). */
  readonly timeoutMs?: number
}

/**
 * Resolves with the match of `pattern` in everything the child printed since the call (attach it right
 * after `spawn`), on the first `data` event that makes it match. Rejects with the output so far when the
 * child exits before, or when `timeoutMs` passes.
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, options: WaitOptions = {}): Promise<RegExpExecArray> {
  const { stream, timeoutMs = 20_000 } = options
  const streams = (stream === undefined ? [child.stdout, child.stderr] : [child[stream]]).filter((s) => s !== null)
  return new Promise((resolve, reject) => {
    let seen = ''
    const finish = (): void => {
      clearTimeout(timer)
      for (const s of streams) s.off('data', onData)
      child.off('exit', onExit)
    }
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString()
      const match = pattern.exec(seen)
      if (match === null) return
      finish()
      resolve(match)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish()
      reject(new Error(`the child exited (${code ?? signal}) before printing ${pattern}:\n${seen}`))
    }
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${seen}`))
    }, timeoutMs)
    for (const s of streams) s.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Sends `signal` (SIGTERM by default) to a child still running and resolves once it has exited. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  await exited
}
