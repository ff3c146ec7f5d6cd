/**
 * The README's TypeScript samples and the TSDoc `@example` blocks of src/, as modules tsc checks: each is
 * written to a module of its own in a folder with a tsconfig.json carrying the project's strict options
 * (tsconfig.json's, unused names allowed), and `tsc -p` runs on the folder. Two tests use it:
 * test/docs/examples-compile.test.ts against the source (`oauth2-stack:source` condition, every sample) and
 * test/package/pack.test.ts against the installed tarball (its dist/ declarations, the public samples).
 *
 * A sample imports what it uses from the package's public subpaths. Two things are supplied around it, and
 * only when the sample uses the name without defining it: the context a fragment takes for granted
 * (`controller`, `issuer`, stores, `app`, … — see CONTEXT, each with its real type), and, for an example in
 * a module that no subpath exports (the CLI's), that module's own exports, by relative path to its source.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'

const root = fileURLToPath(new URL('../../', import.meta.url))
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

/** One README block or `@example`. */
export interface DocSample {
  /** Where it comes from, `file:line`. */
  readonly origin: string
  /** The source file of an `@example`, for its module's own exports. */
  readonly file?: string
  readonly code: string
  /**
   * Whether it compiles against the package alone: a README sample, or an `@example` in a module a public
   * subpath exports. The CLI's (src/cli/) name their own module's exports, which no subpath offers (the
   * package ships the CLI as its binary only): they compile against the source only.
   */
  readonly packed: boolean
}

/** Whether a subpath of the package exports something from `file` (src/cli/ is the one part that is not public). */
const reachable = (file: string): boolean => !file.startsWith('src/cli/')

/** The ```ts blocks of a Markdown text. */
function markdownSamples(path: string): DocSample[] {
  const lines = readFileSync(join(root, path), 'utf8').split('\n')
  const samples: DocSample[] = []
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i]?.trim() !== '```ts') continue
    const start = i + 1
    while (i + 1 < lines.length && lines[i + 1]?.trim() !== '```') i += 1
    samples.push({ origin: `${path}:${start}`, code: lines.slice(start, i + 1).join('\n'), packed: true })
  }
  return samples
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

/** The ```ts block after each `@example` tag in the doc comments of `path`. */
function exampleSamples(path: string): DocSample[] {
  const lines = readFileSync(join(root, path), 'utf8').split('\n')
  const samples: DocSample[] = []
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
    samples.push({ origin: `${path}:${index + 1}`, file: path, code: body.join('\n'), packed: reachable(path) })
  })
  return samples
}

/** Every sample: the README's ```ts blocks, then each `@example` of src/. */
export function docSamples(): DocSample[] {
  return [...markdownSamples('README.md'), ...sourceFiles('src').flatMap(exampleSamples)]
}

/**
 * The samples there should be, counted apart from the extraction: the README's ```ts fences, the `@example`
 * tags of src/, and those of them in public modules (outside src/cli/).
 */
export function sampleCounts(): { readme: number; tags: number; publicTags: number } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8').match(/^```ts$/gm)?.length ?? 0
  const tagsIn = (file: string): number => readFileSync(join(root, file), 'utf8').match(/^\s*\*\s*@example\b/gm)?.length ?? 0
  const files = sourceFiles('src')
  const count = (list: string[]): number => list.reduce((sum, file) => sum + tagsIn(file), 0)
  return { readme, tags: count(files), publicTags: count(files.filter((file) => !file.startsWith('src/cli/'))) }
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

/** A sample as a module in `dir`: its origin, what it takes for granted, the code. */
function moduleText(sample: DocSample, dir: string): string {
  const prelude: string[] = [`// ${sample.origin}`]
  const own = sample.packed || sample.file === undefined ? [] : exportedNames(sample.file)
  const imported = own.filter((name) => uses(sample.code, name) && !defines(sample.code, name))
  if (imported.length > 0 && sample.file !== undefined) {
    prelude.push(`import { ${imported.join(', ')} } from '${relative(dir, join(root, sample.file))}'`)
  }
  for (const [name, type] of Object.entries(CONTEXT)) {
    if (uses(sample.code, name) && !defines(sample.code, name) && !imported.includes(name)) prelude.push(`declare const ${name}: ${type}`)
  }
  return `${prelude.join('\n')}\n${sample.code}\nexport {}\n`
}

/** tsc's verdict on a folder of samples. */
export interface SampleCheck {
  /** The origins of the samples with errors. */
  readonly failing: string[]
  /** tsc's diagnostics, '' when none. */
  readonly diagnostics: string
  /** The files tsc compiled (`--listFiles`), absolute paths: the samples and every declaration they reached. */
  readonly files: string[]
}

/**
 * Writes `samples` to `dir` as sample-NN.ts, with a tsconfig.json holding tsconfig.json's compiler options
 * (a sample may define what it does not use, `const controller = …` to show the call, so unused names are
 * allowed), and runs `tsc -p dir --listFiles`. `against: 'source'` keeps the source condition (`dir` must be
 * inside this package, so `oauth2-stack/*` resolves to it); `'packed'` drops it, so `oauth2-stack/*`
 * resolves as for any user of the package installed in a node_modules above `dir`, to its declarations.
 */
export async function typeCheckSamples(dir: string, samples: readonly DocSample[], against: 'source' | 'packed'): Promise<SampleCheck> {
  const unfit = samples.filter((sample) => against === 'packed' && !sample.packed).map((sample) => sample.origin)
  if (unfit.length > 0) throw new Error(`samples that compile against the source only: ${unfit.join(', ')}`)
  // tsconfig.json has comments: TypeScript's own reader.
  const read = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path))
  if (read.error !== undefined) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`)
  const { customConditions, ...options } = (read.config as { compilerOptions: Record<string, unknown> }).compilerOptions
  const compilerOptions = {
    ...options,
    ...(against === 'source' ? { customConditions } : {}),
    noUnusedLocals: false,
    noUnusedParameters: false,
  }
  mkdirSync(dir, { recursive: true })
  samples.forEach((sample, index) => writeFileSync(join(dir, `sample-${String(index).padStart(2, '0')}.ts`), moduleText(sample, dir)))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }))
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const output = await run(process.execPath, [tsc, '-p', dir, '--listFiles'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout }) => stdout,
    (failure: Error & { stdout?: string }) => failure.stdout ?? failure.message,
  )
  const lines = output.split('\n')
  const diagnostics = lines.filter((line) => line !== '' && !isAbsolute(line)).join('\n')
  // Each error names its sample file, whose first line names the README line or source file.
  const failing = [...new Set([...diagnostics.matchAll(/sample-(\d+)\.ts/g)].map((m) => samples[Number(m[1])]?.origin ?? m[0]))]
  return { failing, diagnostics, files: lines.filter((line) => isAbsolute(line)) }
}
