import { InvalidScope } from '../errors.ts'

/** Options of {@link Scope} (the seed's `Scope(available, default)`). */
export interface ScopeOptions {
  /** Every scope the server knows. When neither this nor `default` is set, `scope` is ignored (seed). */
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
      if (!SCOPE_TOKEN.test(name)) throw new TypeError(`scope ${JSON.stringify(name)} is not a valid scope-token (RFC 6749 section 3.3)`)
    }
    this.#available = options.available === undefined ? undefined : new Set(options.available)
    if (options.default !== undefined && this.#available !== undefined) {
      for (const name of options.default) {
        if (!this.#available.has(name)) throw new TypeError(`default scope ${JSON.stringify(name)} is not in available`)
      }
    }
    this.#default = options.default === undefined ? undefined : Object.freeze([...new Set(options.default)])
  }

  /** Whether this scope policy ignores the `scope` parameter (neither available nor default set). */
  get ignored(): boolean {
    return this.#available === undefined && this.#default === undefined
  }

  /** The scopes available, or `undefined` when any well-formed scope is acceptable. */
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
    if (this.ignored && clientScopes === undefined) return []
    if (value === undefined) {
      const fallback = this.#default ?? (this.#available === undefined ? clientScopes : undefined)
      if (fallback === undefined) throw new InvalidScope('The scope parameter is required.')
      return clientScopes === undefined ? fallback : fallback.filter((name) => clientScopes.includes(name))
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
  const names = value.split(' ')
  for (const name of names) {
    if (!SCOPE_TOKEN.test(name)) {
      throw new InvalidScope('The scope parameter must be scope-tokens separated by single spaces (RFC 6749 section 3.3).')
    }
  }
  return names.length === 1 ? names : [...new Set(names)]
}

/** Joins scopes for the wire, or `undefined` when there are none. */
export function formatScope(scopes: readonly string[]): string | undefined {
  return scopes.length === 0 ? undefined : scopes.join(' ')
}
