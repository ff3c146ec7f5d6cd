/**
 * Text from a store, made safe to print on a terminal: a client name holding `ESC [ 2 J` or a C1 `CSI`
 * must show as text, not act on the operator's terminal.
 *
 * @module
 */

// C0 controls, DEL, C1 controls, and the invisible direction overrides that reorder what is shown.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
// The same, but for C0, which JSON.stringify escapes itself (and uses as line breaks between values).
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `text` with every control character written as an escape (`\x1b`, `\x9b`, `\u202e`). */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * `JSON.stringify(value, null, 2)`, with the characters JSON leaves raw but terminals act on (DEL, C1,
 * direction overrides) written as `\uXXXX`: the same JSON value, safe to print.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNPRINTABLE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
