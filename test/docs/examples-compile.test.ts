/**
 * The README's TypeScript samples and every TSDoc `@example` in src/ compile against the package: each is
 * written to a module of its own under test-artifacts/ (inside the package, so `oauth2-stack/*` resolves to
 * the package itself, through its source condition as tsconfig.json's `customConditions` sets), and the lot
 * is type-checked with the project's strict options.
 *
 * A sample imports what it uses from the package's public subpaths. Two things are supplied around it, and
 * only when the sample uses the name without defining it: the context a fragment takes for granted
 * (`controller`, `issuer`, stores, `app`, … — see CONTEXT, each with its real type), and, for an example in
 * a module that no subpath exports (the CLI's), that module's own exports.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)

/** What a fragment may take for granted, declared with its type when the sample uses it undefined. */
const CONTEXT: Readonly<Record<string, string>> = {
  controller: "import('oauth2-stack').AuthorizationController<unknown>",
  issuer: 'string',
  options: "Omit<import('oauth2-stack').AuthorizationControllerOptions<unknown>, 'onEvent' | 'logger'>",
  clientStore: "import('oauth2-stack/store').ClientStore",
  tokenStore: "import('oauth2-stack/store').LocalTokenStore",
  siteAdapter: "import('oauth2-stack/web').SiteAdapter",
  app: "import('express').Express",
  audit: "{ write(event: import('oauth2-stack').AuditEvent): void }",
  pino: "() => import('oauth2-stack').Logger",
}

interface Sample {
  /** Where it comes from, `file:line`. */
  readonly origin: string
  /** The source file of an `@example`, for its module's own exports. */
  readonly file?: string
  readonly code: string
}

/** The ```ts blocks of a Markdown text. */
function markdownSamples(path: string): Sample[] {
  const lines = readFileSync(join(root, path), 'utf8').split('\n')
  const samples: Sample[] = []
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i]?.trim() !== '```ts') continue
    const start = i + 1
    while (i + 1 < lines.length && lines[i + 1]?.trim() !== '```') i += 1
    samples.push({ origin: `${path}:${start}`, code: lines.slice(start, i + 1).join('\n') })
  }
  return samples
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

/** The ```ts block after each `@example` tag in the doc comments of `path`. */
function exampleSamples(path: string): Sample[] {
  const lines = readFileSync(join(root, path), 'utf8').split('\n')
  const samples: Sample[] = []
  lines.forEach((line, index) => {
    if (!/^\s*\*\s*@example\b/.test(line)) return
    const body: string[] = []
    let inside = false
    for (const next of lines.slice(index + 1)) {
      const text = next.replace(/^\s*\* ?/, '')
      if (/^\s*\*\//.test(next)) break
      if (text.trim().startsWith('```')) {
        if (inside) break
        inside = true
        continue
      }
      if (inside) body.push(text)
    }
    samples.push({ origin: `${path}:${index + 1}`, file: path, code: body.join('\n') })
  })
  return samples
}

/** The names a module exports (declarations and export lists). */
function exportedNames(path: string): string[] {
  const text = readFileSync(join(root, path), 'utf8')
  const declared = [
    ...text.matchAll(/^export (?:declare )?(?:async )?(?:function\*? |class |const |let |interface |type |enum )(\w+)/gm),
  ].map((m) => m[1] ?? '')
  const listed = [...text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) =>
    (m[1] ?? '').split(',').map(
      (part) =>
        part
          .trim()
          .replace(/^type /, '')
          .split(/\s+as\s+/)
          .pop() ?? '',
    ),
  )
  return [...declared, ...listed].filter((name) => name.length > 0)
}

/** Whether `code` defines `name` itself (import, declaration, parameter-free destructuring). */
const defines = (code: string, name: string): boolean =>
  new RegExp(
    `(^|\\n)\\s*import\\b[^;\\n]*\\b${name}\\b|\\b(const|let|var|function|class)\\s+(\\{[^}]*\\b${name}\\b[^}]*\\}|${name}\\b)`,
  ).test(code)
const uses = (code: string, name: string): boolean => new RegExp(`(?<![.\\w'"])${name}\\b`).test(code.replaceAll('...', '   '))

/** The package's public entry files: an `@example` there imports from the package, never from its own file. */
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>
}
const PUBLIC_ENTRIES = new Set(
  Object.values(manifest.exports).flatMap((target) =>
    typeof target === 'string' ? [] : [target['oauth2-stack:source']?.replace(/^\.\//, '') ?? ''],
  ),
)

function moduleText(sample: Sample, dir: string): string {
  const prelude: string[] = [`// ${sample.origin}`]
  const own = sample.file === undefined || PUBLIC_ENTRIES.has(sample.file) || reachable(sample.file) ? [] : exportedNames(sample.file)
  const imported = own.filter((name) => uses(sample.code, name) && !defines(sample.code, name))
  if (imported.length > 0 && sample.file !== undefined) {
    prelude.push(`import { ${imported.join(', ')} } from '${relative(dir, join(root, sample.file))}'`)
  }
  for (const [name, type] of Object.entries(CONTEXT)) {
    if (uses(sample.code, name) && !defines(sample.code, name) && !imported.includes(name)) prelude.push(`declare const ${name}: ${type}`)
  }
  return `${prelude.join('\n')}\n${sample.code}\nexport {}\n`
}

/** Whether a subpath of the package exports something from `file` (src/cli/ is the one part that is not public). */
const reachable = (file: string): boolean => !file.startsWith('src/cli/')

const samples = [...markdownSamples('README.md'), ...sourceFiles('src').flatMap(exampleSamples)]
const dir = join(root, 'test-artifacts', `doc-examples-${process.pid}`)

describe('README samples and TSDoc @example blocks compile against the package', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds every sample (one per ```ts block of the README and per @example tag)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').match(/^```ts$/gm)?.length ?? 0
    const tags = sourceFiles('src').reduce(
      (count, file) => count + (readFileSync(join(root, file), 'utf8').match(/^\s*\*\s*@example\b/gm)?.length ?? 0),
      0,
    )
    expect(readme).toBeGreaterThan(0)
    expect(tags).toBeGreaterThan(0)
    expect(samples).toHaveLength(readme + tags)
    for (const sample of samples) expect(sample.code.trim(), sample.origin).not.toBe('')
  })

  it('type-checks them all with the project options (tsc --noEmit)', { timeout: 120_000 }, async () => {
    mkdirSync(dir, { recursive: true })
    samples.forEach((sample, index) => writeFileSync(join(dir, `sample-${String(index).padStart(2, '0')}.ts`), moduleText(sample, dir)))
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: relative(dir, join(root, 'tsconfig.json')),
        // A sample may define what it does not use (`const controller = …` to show the call).
        compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
        include: ['*.ts'],
      }),
    )
    const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      cwd: root,
    }).then(
      () => '',
      (error: Error & { stdout?: string }) => error.stdout ?? error.message,
    )
    // On failure, each error names its sample file, whose first line names the README line or source file.
    const failing = [...new Set([...result.matchAll(/sample-(\d+)\.ts/g)].map((m) => samples[Number(m[1])]?.origin))]
    expect({ failing, result }).toEqual({ failing: [], result: '' })
  })
})
