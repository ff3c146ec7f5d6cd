/**
 * What the commands need from the process, behind an interface so they can be driven without one.
 *
 * @module
 */

/** The process as the commands see it. */
export interface CliIo {
  /** Writes to standard output (data: results, JSON, request logs). */
  out(text: string): void
  /** Writes to standard error (messages for people: errors, warnings, the server banner). */
  err(text: string): void
  /** Reads all of standard input. */
  readStdin(): Promise<string>
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Whether standard output is a terminal (pretty logs, colours). */
  readonly stdoutIsTTY: boolean
  /** Resolves with the signal's name when the process is asked to stop (SIGINT, SIGTERM). */
  waitForStop(): Promise<string>
}

/** The real process: `process.stdout`, `process.stderr`, `process.stdin`, SIGINT and SIGTERM. */
export function processIo(): CliIo {
  return {
    out: (text) => {
      process.stdout.write(text)
    },
    err: (text) => {
      process.stderr.write(text)
    },
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
      return Buffer.concat(chunks).toString('utf8')
    },
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    waitForStop: () =>
      new Promise((resolve) => {
        const stop = (signal: string): void => {
          process.off('SIGINT', onInt)
          process.off('SIGTERM', onTerm)
          resolve(signal)
        }
        const onInt = (): void => stop('SIGINT')
        const onTerm = (): void => stop('SIGTERM')
        process.once('SIGINT', onInt)
        process.once('SIGTERM', onTerm)
      }),
  }
}
