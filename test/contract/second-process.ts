/**
 * Runs `fixtures/race-process.ts` as a second OS process with its own store and pool, and races it
 * against calls made here: both sides start once the child has connected.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./fixtures/race-process.ts', import.meta.url))

/**
 * Starts the child with `args`, waits until it is connected, then releases it and runs `local` at the
 * same moment. Resolves the local outcomes followed by the child's.
 */
export async function raceFromSecondProcess<T>(args: readonly string[], local: () => Promise<readonly T[]>): Promise<unknown[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (stdout.includes('ready\n')) resolve()
    })
    void exited.then((status) => reject(new Error(`second process exited (${status}) before it was ready: ${stderr}`)))
  })
  child.stdin.end('go\n')
  const mine = await local()
  const status = await exited
  if (status !== 0) throw new Error(`second process failed (${status}): ${stderr}`)
  const line = stdout.split('\n').filter((l) => l.startsWith('['))[0]
  if (line === undefined) throw new Error(`second process printed no outcomes: ${stdout}`)
  return [...mine, ...(JSON.parse(line) as unknown[])]
}
