// Type-aware linting: the rules that matter most for a server (floating promises, exhaustive switches,
// type-only imports, no `any` leaking into public types).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { LAYERS } from './scripts/layers.mjs'

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * One-way layers (docs/architecture.md, "Layers"): each folder of src/ may import only from the layers
 * before its own, type-only imports included (they count as folder cycles too), so a new file cannot add
 * a cycle. Barrels (`index.ts`) are entry points and exempt. Inside src/, the package's own subpaths
 * (`oauth2-stack/...`) are not a way around the order.
 */
const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index).flat()
  return layer.map((group) => {
    const others = above.filter((other) => other !== group)
    const folders = others.filter((other) => other.endsWith('/')).map((other) => escape(other.slice(0, -1)))
    const files = others.filter((other) => !other.endsWith('/')).map(escape)
    const message = `${group} sits below ${others.join(', ')} (layer order in docs/architecture.md)`
    const patterns = [{ regex: '^oauth2-stack(/|$)', message: 'inside src/, import by relative path' }]
    if (folders.length > 0) patterns.push({ regex: `^(\\./|(\\.\\./)+)(${folders.join('|')})/`, message })
    if (files.length > 0) patterns.push({ regex: `^(\\./|(\\.\\./)+)(${files.join('|')})$`, message })
    return {
      files: group.endsWith('/') ? [`src/${group}**/*.ts`] : [`src/${group}`],
      ignores: ['src/index.ts', 'src/*/index.ts'],
      rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
    }
  })
})

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
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
