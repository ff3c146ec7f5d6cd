/**
 * `npm run example -- <name>` runs examples/<name>.ts, e.g. `npm run example -- authorization-server`.
 */
import { readdirSync } from 'node:fs'

const available = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3))
const name = process.argv[2]
if (name === undefined || !available.includes(name)) {
  console.error(`Usage: npm run example -- <name>\nExamples: ${available.join(', ')}`)
  process.exit(2)
}
await import(`./${name}.ts`)
