// The layers of src/, lowest first, and the check that imports only go down them. One list, read by
// eslint.config.js (a no-restricted-imports rule per folder), by test/unit/layers.test.ts and by
// `node scripts/layers.mjs` (prints folder cycles and upward imports; exit code 1 when there are any).
// docs/architecture.md ("Layers") explains the order.
//
// A folder (or a file directly in src/) may import values and types only from the layers before its own.
// Type-only imports count: they are dependencies a reader must follow, and they make folder cycles too.
// Barrels (`index.ts`) are entry points: they may re-export from anywhere below them.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** @type {readonly (readonly string[])[]} */
export const LAYERS = [
  ['types.ts', 'errors.ts'],
  ['tracing/'],
  ['internal/'],
  ['fetch/'],
  ['tokens/'],
  ['checks/'],
  ['stores/'],
  ['keys/'],
  ['clients/'],
  ['web/'],
  ['events/'],
  ['limits/'],
  ['sessions/'],
  ['client-auth/'],
  ['issuer/'],
  ['oidc/'],
  ['grants/'],
  ['endpoints/'],
  ['registration/', 'logout/'],
  ['options.ts', 'readiness.ts'],
  ['controller.ts'],
  ['adapters/', 'resource/'],
  ['cli/'],
]

/** The layer index of a group (`web/`, `controller.ts`), or -1 when the group is in no layer. */
export function layerOf(group) {
  return LAYERS.findIndex((layer) => layer.includes(group))
}

/** Whether a file is a barrel (an entry point, exempt from the order). */
export function isBarrel(relativePath) {
  return relativePath === 'index.ts' || /^[^/]+\/index\.ts$/.test(relativePath)
}

const IMPORT = /(?:import|export)\s[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s*['"](\.[^'"]+)['"]/gm

function listFiles(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) listFiles(path, out)
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|spec)\./.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The group of a path under `root`: its top-level folder (`web/`), or the file name for files directly in it. */
function groupOf(root, path) {
  const parts = relative(root, path).split(sep)
  return parts.length > 1 ? `${parts[0]}/` : parts[0]
}

/**
 * Every relative import between two groups of `root`, type-only ones included.
 * @returns {{ from: string, to: string, file: string, barrel: boolean }[]}
 */
export function folderImports(root) {
  const imports = []
  for (const file of listFiles(root, [])) {
    const text = readFileSync(file, 'utf8')
    const from = groupOf(root, file)
    const barrel = isBarrel(relative(root, file).split(sep).join('/'))
    for (const match of text.matchAll(IMPORT)) {
      const to = groupOf(root, resolve(dirname(file), match[1] ?? match[2] ?? match[3]))
      if (from !== to) imports.push({ from, to, file: relative(root, file), barrel })
    }
  }
  return imports
}

/** Every cycle between groups (of any length), each as the list of groups on it; none when the graph is acyclic. */
export function folderCycles(imports) {
  const edges = new Map()
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, new Set())
    edges.get(from).add(to)
  }
  // Tarjan's strongly connected components: a component of two or more groups holds a cycle.
  let index = 0
  const indices = new Map()
  const lowlinks = new Map()
  const stack = []
  const onStack = new Set()
  const cycles = []
  const visit = (node) => {
    indices.set(node, index)
    lowlinks.set(node, index)
    index++
    stack.push(node)
    onStack.add(node)
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next)
        lowlinks.set(node, Math.min(lowlinks.get(node), lowlinks.get(next)))
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node), indices.get(next)))
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component = []
      let member
      do {
        member = stack.pop()
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1) cycles.push(component.sort())
    }
  }
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node)
  return cycles.sort((a, b) => a.join().localeCompare(b.join()))
}

/** Imports that go up the layers, or sideways to another folder of the same layer (barrels exempt). */
export function upwardImports(imports) {
  return imports.filter(({ from, to, barrel }) => {
    if (barrel) return false
    const a = layerOf(from)
    const b = layerOf(to)
    return a === -1 || b === -1 || b >= a
  })
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'src')
  const imports = folderImports(root)
  const cycles = folderCycles(imports)
  const upward = upwardImports(imports)
  for (const cycle of cycles) console.log(`cycle: ${cycle.join(' <-> ')}`)
  for (const { from, to, file } of upward) console.log(`upward: ${file} imports ${to} (${from} is not above ${to})`)
  console.log(`${cycles.length} cycles, ${upward.length} imports against the layer order in ${relative(process.cwd(), root) || '.'}`)
  process.exit(cycles.length === 0 && upward.length === 0 ? 0 : 1)
}
