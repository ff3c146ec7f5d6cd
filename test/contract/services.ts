/**
 * The database services the SQL store suites need, probed before a suite registers its tests.
 *
 * - reachable: the suite runs.
 * - unreachable and `CI` set: the suite is one FAILING test naming the service (CI must never pass
 *   without running the store tests).
 * - unreachable locally: a loud warning and one skipped test naming the service.
 *
 * Addresses come from `TEST_POSTGRES_URL` / `TEST_MYSQL_URL`, defaulting to the services of the dev
 * machine and CI: PostgreSQL 127.0.0.1:5432 (trust auth, database `test`) and MariaDB 127.0.0.1:3306
 * (root, no password, database `test`).
 */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { describe, it } from 'vitest'

/** A service a suite needs. */
export interface Service {
  readonly name: string
  /** The connection URL (no password in the defaults). */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly reachable: boolean
  /** Why it is not reachable. */
  readonly reason: string | undefined
}

export const POSTGRES_URL: string = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL: string = process.env['TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test'

/** Whether this run is CI (`CI` set to anything but empty, `0` or `false`). */
export function isCI(): boolean {
  const value = process.env['CI']
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

/** Opens (and closes) a TCP connection to the service's host and port, within 2 s. */
export async function probeService(name: string, url: string, defaultPort: number): Promise<Service> {
  const parsed = new URL(url)
  const host = parsed.hostname === '' ? '127.0.0.1' : parsed.hostname
  const port = parsed.port === '' ? defaultPort : Number(parsed.port)
  const reason = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port })
    const done = (why: string | undefined): void => {
      socket.destroy()
      resolve(why)
    }
    socket.setTimeout(2000, () => done('no answer within 2 s'))
    socket.once('connect', () => done(undefined))
    socket.once('error', (error: Error & { code?: string }) => done(error.code ?? error.message))
  })
  return { name, url, host, port, reachable: reason === undefined, reason }
}

/**
 * Registers `body` (the suite) when the service is reachable. Otherwise: in CI a failing test, locally a
 * warning and a test skipped at run time, both naming the service and its address.
 */
export function whenReachable(service: Service, body: () => void): void {
  if (service.reachable) {
    body()
    return
  }
  const message = `${service.name} at ${service.host}:${service.port} is unreachable (${service.reason ?? 'unknown'})`
  if (isCI()) {
    describe(`${service.name} store`, () => {
      it(`needs ${service.name} at ${service.host}:${service.port}`, () => {
        throw new Error(`${message}: CI must run the ${service.name} store tests; start the service.`)
      })
    })
    return
  }
  const bar = '!'.repeat(100)
  console.warn(
    `\n${bar}\n!! ${message}.\n!! Its store tests are SKIPPED on this machine (in CI they fail). Start ${service.name} to run them.\n${bar}\n`,
  )
  describe(`${service.name} store`, () => {
    it(`needs ${service.name} at ${service.host}:${service.port}`, (context) => {
      context.skip(message)
    })
  })
}

/** A name unique to this test file and run: `<base>_<pid>_<random>`, a valid SQL identifier. */
export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** A TCP proxy to a service, to cut a store's connections mid-test as a dying database would. */
export { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'
