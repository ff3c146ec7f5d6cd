import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { folderCycles, folderImports, LAYERS, layerOf, upwardImports } from '../../scripts/layers.mjs'

const src = fileURLToPath(new URL('../../src/', import.meta.url))

describe('layers of src/ (docs/architecture.md)', () => {
  const imports = folderImports(src)

  it('has no import cycle between folders, type-only imports included', () => {
    expect(folderCycles(imports)).toEqual([])
  })

  it('imports only from lower layers (barrels exempt)', () => {
    expect(upwardImports(imports).map(({ file, to }) => `${file} -> ${to}`)).toEqual([])
  })

  it('names every folder and top-level file of src/ in exactly one layer', () => {
    const groups = new Set(imports.flatMap(({ from, to }) => [from, to]))
    groups.delete('index.ts')
    for (const group of groups) expect(layerOf(group), group).toBeGreaterThanOrEqual(0)
    const listed = LAYERS.flat()
    expect(new Set(listed).size).toBe(listed.length)
  })
})

describe('the layer check itself', () => {
  const root = mkdtempSync(join(tmpdir(), 'oauth2-layers-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  // Two folders importing each other (one edge type-only), three in a ring, and a barrel importing upwards.
  write('web/request.ts', "import type { Grant } from '../grants/types.ts'\nexport type R = Grant\n")
  write('grants/types.ts', "import { Request } from '../web/request.ts'\nexport const g = Request\n")
  write('checks/scope.ts', "export { hash } from '../tokens/hash.ts'\n")
  write('tokens/hash.ts', "const load = () => import('../stores/memory.ts')\n")
  write('stores/memory.ts', "import '../checks/scope.ts'\n")
  write('web/index.ts', "export * from '../grants/types.ts'\n")
  const found = folderImports(root)

  it('sees type-only, re-export, dynamic and side-effect imports', () => {
    expect(found.map(({ from, to }) => `${from}>${to}`).sort()).toEqual(
      ['checks/>tokens/', 'grants/>web/', 'stores/>checks/', 'tokens/>stores/', 'web/>grants/', 'web/>grants/'].sort(),
    )
  })

  it('finds a two-folder cycle and a longer one', () => {
    expect(folderCycles(found)).toEqual([
      ['checks/', 'stores/', 'tokens/'],
      ['grants/', 'web/'],
    ])
  })

  it('reports upward imports but exempts barrels', () => {
    const upward = upwardImports(found).map(({ file }) => file.split('\\').join('/'))
    expect(upward).toContain('web/request.ts')
    expect(upward).toContain('tokens/hash.ts')
    expect(upward).not.toContain('grants/types.ts')
    expect(upward).not.toContain('web/index.ts')
  })
})
