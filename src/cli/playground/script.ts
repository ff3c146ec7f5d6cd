/**
 * The playground's browser script, read once: the files of `browser/` (typed, linted, checked with the
 * DOM library by their own tsconfig.json) joined in order into one function, so they share one scope
 * as the type checker sees them. `npm run build` compiles them to JavaScript beside this module's; run
 * from the sources (tsx, vitest), the TypeScript files are transpiled here with the `typescript` dev
 * dependency instead.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/** The part of the `typescript` dev dependency used when running from the sources (never from dist). */
interface Transpiler {
  readonly ScriptTarget: { readonly ES2020: number }
  transpileModule(text: string, options: { compilerOptions: { target: number }; fileName: string }): { outputText: string }
}

/** The files of `browser/`, in the order they run: declarations first, `main` (which starts the page) last. */
const FILES = ['context', 'http', 'jwt', 'oidc', 'flows', 'dom', 'diagram', 'steps', 'main'] as const

let script: string | undefined

/** The page's script: one strict-mode function expression, called at once. */
export function playgroundScript(): string {
  script ??= join(FILES.map(compiled))
  return script
}

function join(parts: readonly string[]): string {
  // Inlined in the page: a closing script tag in it would end the script early.
  if (parts.some((part) => /<\/script/i.test(part))) throw new Error('the playground script must not contain </script')
  return `(function () {\n'use strict';\n${parts.join('\n')}\n})();\n`
}

/** One file as JavaScript: the build's output, or the source transpiled (types only: erasableSyntaxOnly). */
function compiled(name: string): string {
  const fromSources = import.meta.url.endsWith('.ts')
  const file = new URL(`./browser/${name}.${fromSources ? 'ts' : 'js'}`, import.meta.url)
  const text = readFileSync(file, 'utf8').replace(/^"use strict";\n/, '')
  if (!fromSources) return text
  const ts = createRequire(import.meta.url)('typescript') as Transpiler
  return ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2020 }, fileName: file.pathname }).outputText
}
