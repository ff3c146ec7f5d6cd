/**
 * Request parameters as parsed once: the first value of each name, and the names that appeared more
 * than once (RFC 6749 section 3.1 and 3.2: parameters MUST NOT be included more than once).
 */
export interface Params {
  readonly values: ReadonlyMap<string, string>
  /** Names seen more than once, or `undefined` when none was. */
  readonly repeated: ReadonlySet<string> | undefined
  /** Every value of each name seen more than once, in order (for repeatable ones such as RFC 8707 `resource`). */
  readonly all?: ReadonlyMap<string, readonly string[]> | undefined
}

/** Every value of `name`, in order: none, its one value, or all of a repeated one. */
export function valuesOf(params: Params, name: string): readonly string[] {
  const all = params.all?.get(name)
  if (all !== undefined) return all
  const value = params.values.get(name)
  return value === undefined ? [] : [value]
}

/** Parameters of an empty query or body. */
export const NO_PARAMS: Params = { values: new Map(), repeated: undefined }

/**
 * Text whose pairs are the text itself: no escape (`%`), no `+` (a space), no surrogate (the WHATWG parser
 * turns a lone one into U+FFFD). Most bodies and queries are such text.
 */
const PLAIN_FORM = /^[^%+\uD800-\uDFFF]*$/

/**
 * Parses `application/x-www-form-urlencoded` text as the WHATWG URL standard does (`URLSearchParams`);
 * malformed escapes are kept as they are, never thrown. Plain text is split in place, without the
 * `URLSearchParams` object, its list and an array per pair.
 */
export function parseForm(text: string): Params {
  if (text.length === 0) return NO_PARAMS
  const form = new FormBuilder()
  if (!PLAIN_FORM.test(text)) {
    for (const [name, value] of new URLSearchParams(text)) form.add(name, value)
    return form.params()
  }
  // WHATWG URL, application/x-www-form-urlencoded parsing: split on `&`, skip empty sequences, split
  // each at its first `=` (none: the value is empty). A leading `?` is dropped, as `URLSearchParams` does.
  let start = text.startsWith('?') ? 1 : 0
  while (start <= text.length) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    if (end > start) {
      const equals = text.indexOf('=', start)
      if (equals === -1 || equals > end) form.add(text.slice(start, end), '')
      else form.add(text.slice(start, equals), text.slice(equals + 1, end))
    }
    start = end + 1
  }
  return form.params()
}

/** Collects parsed pairs: the first value per name, the repeated names and all their values. */
class FormBuilder {
  readonly #values = new Map<string, string>()
  #repeated: Set<string> | undefined
  #all: Map<string, string[]> | undefined

  add(name: string, value: string): void {
    const first = this.#values.get(name)
    if (first === undefined) {
      this.#values.set(name, value)
      return
    }
    ;(this.#repeated ??= new Set()).add(name)
    this.#all ??= new Map()
    const list = this.#all.get(name)
    if (list === undefined) this.#all.set(name, [first, value])
    else list.push(value)
  }

  params(): Params {
    return { values: this.#values, repeated: this.#repeated, all: this.#all }
  }
}

/** A body a framework already parsed (e.g. `express.urlencoded()`): strings or arrays of strings. */
export type ParsedForm = Readonly<Record<string, unknown>>

/** Turns a framework's parsed body into {@link Params}; arrays mean the name was repeated. */
export function fromParsedForm(form: ParsedForm): Params {
  const values = new Map<string, string>()
  let repeated: Set<string> | undefined
  let all: Map<string, string[]> | undefined
  for (const [name, value] of Object.entries(form)) {
    if (Array.isArray(value)) {
      if (value.length > 1) {
        ;(repeated ??= new Set()).add(name)
        ;(all ??= new Map()).set(
          name,
          value.filter((item): item is string => typeof item === 'string'),
        )
      }
      const first: unknown = value[0]
      if (typeof first === 'string') values.set(name, first)
    } else if (typeof value === 'string') {
      values.set(name, value)
    }
    // Anything else (a qs-style nested object from `a[b]=c`) is not an OAuth parameter value: left out.
  }
  return { values, repeated, all }
}
