// Type-aware linting: the rules that matter most for a server (floating promises, exhaustive switches,
// type-only imports, no `any` leaking into public types).
import { readFileSync } from 'node:fs'
import { URL } from 'node:url'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { LAYERS } from './scripts/layers.mjs'

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * One-way layers (docs/architecture.md, "Layers"): each folder of src/ may import only from the layers
 * before its own, type-only imports included (they count as folder cycles too), so a new file cannot add
 * a cycle. Barrels (`index.ts`) are entry points and exempt. Inside src/, the package's own subpaths
 * (`oauth2-stack/...`) are not a way around the order. The core reaches `node:crypto` only through
 * `internal/crypto.ts`, and no optional peer dependency (the frameworks are for `adapters/`, the drivers
 * for `stores/`; package.json lists them); the resource side and the CLI are not the core.
 */
const OUTSIDE_CORE = new Set(['stores/', 'resource/', 'cli/'])
const CRYPTO_MODULE = 'src/internal/crypto.ts'
const PEERS = Object.keys(JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).peerDependencies ?? {})
const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index).flat()
  return layer.flatMap((group) => {
    const others = above.filter((other) => other !== group)
    const folders = others.filter((other) => other.endsWith('/')).map((other) => escape(other.slice(0, -1)))
    const files = others.filter((other) => !other.endsWith('/')).map(escape)
    const message = `${group} sits below ${others.join(', ')} (layer order in docs/architecture.md)`
    const patterns = [{ regex: '^oauth2-stack(/|$)', message: 'inside src/, import by relative path' }]
    if (folders.length > 0) patterns.push({ regex: `^(\\./|(\\.\\./)+)(${folders.join('|')})/`, message })
    if (files.length > 0) patterns.push({ regex: `^(\\./|(\\.\\./)+)(${files.join('|')})$`, message })
    const rule = (list) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns: list }] })
    const ignores = ['src/index.ts', 'src/*/index.ts']
    const globs = group.endsWith('/') ? [`src/${group}**/*.ts`] : [`src/${group}`]
    if (OUTSIDE_CORE.has(group)) return [{ files: globs, ignores, rules: rule(patterns) }]
    if (group !== 'adapters/' && PEERS.length > 0) {
      const message = 'the core imports no framework or database driver (adapters/ and stores/ do)'
      patterns.push({ regex: `^(${PEERS.map(escape).join('|')})(/.*)?$`, message })
    }
    const crypto = { regex: '^(node:)?crypto$', message: 'the core uses node:crypto only through internal/crypto.ts' }
    const configs = [{ files: globs, ignores: [...ignores, CRYPTO_MODULE], rules: rule([...patterns, crypto]) }]
    if (group === 'internal/') configs.push({ files: [CRYPTO_MODULE], rules: rule(patterns) })
    return configs
  })
})

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'docs/api/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The playground's browser script: global scripts sharing one scope (src/cli/playground/browser/tsconfig.json),
    // so a name declared in one file and used in another is not unused, and a type comes from a module through
    // an import() type (a script has no import statement).
    files: ['src/cli/playground/browser/*.ts'],
    languageOptions: { sourceType: 'script' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { vars: 'local', argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...layerRules,
  { files: ['eslint.config.js', 'scripts/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
)
