import { ConfigurationError, InvalidScope } from '../errors.ts'

/** Options of {@link Scope} (the seed's `Scope(available, default)`). */
export interface ScopeOptions {
  /**
   * Every scope the server knows. When only `default` is set, the default scopes are the available ones.
   * When neither is set, the server defines no scopes: requests without `scope` get none, and a request
   * that asks for a scope gets `invalid_scope` (RFC 6749 section 3.3) rather than silently less.
   */
  readonly available?: readonly string[]
  /**
   * The scopes granted when a request has no `scope` parameter. Without it, such a request fails with
   * `invalid_scope` once `available` is set (RFC 6749 section 3.3).
   */
  readonly default?: readonly string[]
}

// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Handling of the `scope` parameter (the seed's `oauth2.grant.Scope`): a space-delimited list,
 * checked against the available scopes and the client's own allowance.
 */
export class Scope {
  readonly #available: ReadonlySet<string> | undefined
  readonly #default: readonly string[] | undefined

  constructor(options: ScopeOptions = {}) {
    for (const name of [...(options.available ?? []), ...(options.default ?? [])]) {
      if (!SCOPE_TOKEN.test(name))
        throw new ConfigurationError(`scope ${JSON.stringify(name)} is not a valid scope-token (RFC 6749 section 3.3)`)
    }
    const available = options.available ?? options.default
    this.#available = available === undefined ? undefined : new Set(available)
    if (options.default !== undefined && this.#available !== undefined) {
      for (const name of options.default) {
        if (!this.#available.has(name)) throw new ConfigurationError(`default scope ${JSON.stringify(name)} is not in available`)
      }
    }
    this.#default = options.default === undefined ? undefined : Object.freeze([...new Set(options.default)])
  }

  /** Whether this policy defines no scopes at all (neither available nor default set). */
  get ignored(): boolean {
    return this.#available === undefined
  }

  /** The scopes available, or `undefined` when the policy defines none. */
  get available(): readonly string[] | undefined {
    return this.#available === undefined ? undefined : [...this.#available]
  }

  /**
   * Parses and checks a `scope` parameter value (the seed's `Scope.parse`) for a client, returning the
   * scopes to grant. Throws `InvalidScope`.
   *
   * @param value - the raw parameter, `undefined` when absent
   * @param clientScopes - the client's own allowance, if it has one
   */
  parse(value: string | undefined, clientScopes?: readonly string[]): readonly string[] {
    if (this.#available === undefined && clientScopes === undefined) {
      if (value === undefined) return []
      throw new InvalidScope('This server defines no scopes; omit the scope parameter.')
    }
    if (value === undefined) {
      const fallback = this.#default ?? (this.#available === undefined ? clientScopes : undefined)
      if (fallback === undefined) throw new InvalidScope('The scope parameter is required.')
      if (clientScopes === undefined) return fallback
      const allowed = fallback.filter((name) => clientScopes.includes(name))
      // RFC 6749 section 3.3: use a default or fail with invalid_scope, never silently grant nothing.
      if (allowed.length === 0 && fallback.length > 0) {
        throw new InvalidScope('The scope parameter is required: the default scope is not allowed for this client.')
      }
      return allowed
    }
    const requested = parseScopeParameter(value)
    for (const name of requested) {
      if (this.#available !== undefined && !this.#available.has(name)) throw new InvalidScope(`Unknown scope: ${name}.`)
      if (clientScopes !== undefined && !clientScopes.includes(name)) {
        throw new InvalidScope(`The client may not request scope: ${name}.`)
      }
    }
    return requested
  }
}

/**
 * Splits a `scope` value into its scope-tokens, dropping duplicates. Throws `InvalidScope` for an empty
 * value, empty tokens (double spaces) or characters outside NQCHAR (RFC 6749 section 3.3).
 */
export function parseScopeParameter(value: string): readonly string[] {
  const known = parsedScopes.get(value)
  if (known !== undefined) return known
  const names = value.split(' ')
  for (const name of names) {
    if (!SCOPE_TOKEN.test(name)) {
      throw new InvalidScope('The scope parameter must be scope-tokens separated by single spaces (RFC 6749 section 3.3).')
    }
  }
  const parsed = Object.freeze(names.length === 1 ? names : [...new Set(names)])
  // Requests repeat the same few scope strings: keep their parsed, frozen form (shared by the tokens that
  // carry it, so not one array per stored token). Bounded: a flood of distinct values only refills it.
  // Only short values: a request must not be able to pin a large body in memory (unknown names are
  // refused only later, against the available and the client's scopes).
  if (value.length <= PARSED_SCOPE_MAX_LENGTH) {
    if (parsedScopes.size >= PARSED_SCOPES_MAX) parsedScopes.clear()
    parsedScopes.set(value, parsed)
  }
  return parsed
}

const PARSED_SCOPES_MAX = 512
const PARSED_SCOPE_MAX_LENGTH = 256
const parsedScopes = new Map<string, readonly string[]>()

/** Joins scopes for the wire, or `undefined` when there are none. */
export function formatScope(scopes: readonly string[]): string | undefined {
  return scopes.length === 0 ? undefined : scopes.join(' ')
}
