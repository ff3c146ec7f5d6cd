import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { STORE_DRIVERS, type StoreDriver } from '../../src/stores/drivers.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  readonly name: string
  readonly exports: Readonly<Record<string, { readonly 'oauth2-stack:source'?: string } | string>>
  readonly dependencies: Readonly<Record<string, string>>
  readonly devDependencies: Readonly<Record<string, string>>
  readonly peerDependencies: Readonly<Record<string, string>>
  readonly peerDependenciesMeta: Readonly<Record<string, { readonly optional?: boolean }>>
}
const drivers: readonly StoreDriver[] = Object.values(STORE_DRIVERS)

/** A module a file names, and whether only types come from it (erased from the JavaScript, never bundled). */
interface Specifier {
  readonly text: string
  readonly typeOnly: boolean
}

/** Every module a file names: static imports and re-exports, `import()` calls and `import()` types. */
function specifiersOf(file: string): Specifier[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Specifier[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ text: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true })
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ text: node.moduleSpecifier.text, typeOnly: node.isTypeOnly })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      if (argument !== undefined && ts.isStringLiteralLike(argument)) found.push({ text: argument.text, typeOnly: false })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ text: node.argument.literal.text, typeOnly: true })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The source file a self-reference (`oauth2-stack/node`) names, through the exports' source condition. */
function selfReference(specifier: string): string | undefined {
  if (specifier !== pkg.name && !specifier.startsWith(`${pkg.name}/`)) return undefined
  const target = pkg.exports[`.${specifier.slice(pkg.name.length)}`]
  const source = typeof target === 'object' ? target['oauth2-stack:source'] : undefined
  if (source === undefined) throw new Error(`${specifier} is not an export of the package`)
  return resolve(root, source)
}

/**
 * `pg`, `mysql2/promise` → `mysql2`, `@scope/name/sub` → `@scope/name`; `undefined` for relative and
 * built-in modules and for the package's own subpaths.
 */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined
  if (selfReference(specifier) !== undefined) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/**
 * The npm packages a file and the files it imports relatively (transitively) name; with `valuesOnly`,
 * following only what stays in the JavaScript (what a bundler follows).
 */
function packagesReachedFrom(entry: string, valuesOnly = false): Set<string> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const queue = [resolve(root, entry)]
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    for (const { text, typeOnly } of specifiersOf(file)) {
      if (valuesOnly && typeOnly) continue
      if (text.startsWith('.')) queue.push(resolve(dirname(file), text))
      const self = selfReference(text)
      if (self !== undefined) queue.push(self)
      const name = packageOf(text)
      if (name !== undefined) packages.add(name)
    }
  }
  return packages
}

/** The packages reached from a file, less the package's own dependencies (which every install has). */
function peersReachedFrom(entry: string, valuesOnly = false): string[] {
  return [...packagesReachedFrom(entry, valuesOnly)].filter((name) => pkg.dependencies[name] === undefined).sort()
}

const sourceFiles = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join('src', file).replaceAll('\\', '/'))

describe('drivers: src/stores/drivers.ts is the one list of store backends and their packages', () => {
  it.each(drivers.map((driver) => [driver.module, driver] as const))(
    '%s: its module imports its declared driver package and no other',
    (_module, driver) => {
      const reached = peersReachedFrom(`src/stores/${driver.module}.ts`)
      expect(reached).toContain(driver.package)
      const allowed = [driver.package, ...Object.keys(driver.alternatives)]
      expect(reached.filter((name) => !allowed.includes(name))).toEqual([])
    },
  )

  it.each(drivers.map((driver) => [driver.module, driver] as const))(
    '%s: load() loads the module the table names',
    async (_module, driver) => {
      // The same module record, so the same namespace object, whichever way it is imported.
      const named: unknown = await import(`../../src/stores/${driver.module}.ts`)
      expect(await driver.load()).toBe(named)
    },
  )

  it('every scheme selects one backend', () => {
    const schemes = drivers.flatMap((driver) => driver.schemes)
    expect(new Set(schemes).size).toBe(schemes.length)
    for (const scheme of schemes) expect(scheme).toMatch(/^[a-z][a-z0-9+.-]*:$/)
  })

  it('oauth2-stack/store and the core reach no driver or framework (they bundle for any runtime)', () => {
    for (const entry of [
      'src/stores/index.ts',
      'src/index.ts',
      'src/grants/index.ts',
      'src/tokens/index.ts',
      'src/errors.ts',
      'src/adapters/fetch.ts',
    ]) {
      expect(peersReachedFrom(entry, true), entry).toEqual([])
    }
  })

  it('peerDependencies are exactly the drivers (with the ranges of the table) and the frameworks the adapters import', () => {
    const fromDrivers = Object.fromEntries(
      drivers.flatMap((driver) => [[driver.package, driver.peerRange], ...Object.entries(driver.alternatives)]),
    )
    const frameworks = new Set(sourceFiles.filter((file) => file.startsWith('src/adapters/')).flatMap((file) => peersReachedFrom(file)))
    for (const name of Object.keys(fromDrivers)) frameworks.delete(name)
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...Object.keys(fromDrivers), ...frameworks].sort())
    for (const [name, range] of Object.entries(fromDrivers)) expect(pkg.peerDependencies[name], name).toBe(range)
    for (const name of frameworks) expect(pkg.peerDependencies[name], name).toMatch(/^\^\d+(\.\d+)?( \|\| \^\d+(\.\d+)?)*$/)
    for (const name of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true)
  })

  it('every package src/ imports is a dependency, an optional peer, or built in; the library needs no dev dependency', () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)])
    const undeclared = sourceFiles.flatMap((file) =>
      specifiersOf(join(root, file))
        .map((specifier) => packageOf(specifier.text))
        .filter((name): name is string => name !== undefined && !declared.has(name))
        .map((name) => `${relative(root, join(root, file))}: ${name}`),
    )
    expect(undeclared).toEqual([])
    for (const range of Object.values(pkg.dependencies)) expect(range).toMatch(/^\^\d+\.\d+\.\d+$/)
  })
})
