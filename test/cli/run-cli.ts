/**
 * Runs `oauth2-stack` as a subprocess, from the TypeScript sources (through tsx, as `npm run cli` does),
 * so the tests never depend on a stale build (or, with `bin`, an installed package's binary). `test/cli/bin.test.ts` checks the built binary.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { waitForOutput } from '../helpers/child-output.ts'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** What a finished command printed and returned. */
export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Extra environment variables. `OAUTH2_STACK_STORE` and `NO_COLOR` are cleared unless given. */
  readonly env?: Record<string, string>
  /** Written to standard input, which is then closed. */
  readonly input?: string
  /** Working directory. Default: the repository root. */
  readonly cwd?: string
  /** A built `oauth2-stack` script to run with this Node (an installed package's) instead of the sources. */
  readonly bin?: string
}

function spawnCli(args: readonly string[], options: RunOptions): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, OAUTH2_STACK_STORE: '', ...options.env }
  delete env.FORCE_COLOR
  const spawnOptions: SpawnOptions = { cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] }
  if (options.bin !== undefined) return spawn(process.execPath, [options.bin, ...args], { ...spawnOptions, env })
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
  return spawn(process.execPath, ['--conditions=oauth2-stack:source', '--import', tsx, join(ROOT, 'src/cli/main.ts'), ...args], {
    ...spawnOptions,
    env: { ...env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
  })
}

/** Runs one command to completion. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin?.end(options.input ?? '')
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** A running `oauth2-stack serve`. */
export interface RunningServer {
  /** The issuer the banner names (`http://127.0.0.1:<port>`). */
  readonly issuer: string
  /** Everything printed so far. */
  output(): { readonly stdout: string; readonly stderr: string }
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<CliResult>
}

/** Starts `oauth2-stack serve …` and resolves once its banner is out; rejects with the output if it exits first. */
export async function startServe(args: readonly string[], options: RunOptions = {}): Promise<RunningServer> {
  const child = spawnCli(['serve', ...args], options)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<CliResult>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  let done = false
  void exited.then(() => (done = true))
  // Up: the banner on stderr, then the log's `listening` event on stdout (JSON or pretty).
  const started = [/Press Ctrl\+C/, /listening/].map((pattern, i) =>
    waitForOutput(child, pattern, { stream: i === 0 ? 'stderr' : 'stdout', timeoutMs: 45_000 }),
  )
  await Promise.all(started).catch(async () => {
    child.kill('SIGKILL')
    await exited
    throw new Error(`serve did not start:\n${stdout}\n${stderr}`)
  })
  const issuer = /listening on (http:\/\/\S+)/.exec(stderr)?.[1]
  if (issuer === undefined) throw new Error(`no issuer in the banner:\n${stderr}`)
  return {
    issuer,
    output: () => ({ stdout, stderr }),
    stop: async () => {
      if (!done) child.kill('SIGTERM')
      return exited
    },
  }
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'oauth2-stack-cli-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** The `Authorization: Basic` header for a client (RFC 6749 section 2.3.1 form-encoding). */
export function basic(id: string, secret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}

/** POSTs a form and returns status and JSON body (or `{}`). */
export async function postForm(
  url: string,
  form: Record<string, string>,
  authorization?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (authorization !== undefined) headers.authorization = authorization
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) })
  const text = await response.text()
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}
