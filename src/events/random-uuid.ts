/**
 * Random (version 4) UUIDs for request ids, made from a batch of CSPRNG bytes: one flat string per id.
 * `crypto.randomUUID()` joins 20 pieces into a rope of strings (about 600 bytes of garbage per id, which
 * the collector then pays for under load); here each id is written as ASCII into a reused buffer and
 * read out once.
 *
 * @module
 */
import { randomFillSync } from '../internal/crypto.ts'

/** Ids per refill of the random bytes. */
const BATCH = 128
/** The random bytes of {@link BATCH} ids, 16 each; refilled when used up. */
const random = Buffer.alloc(16 * BATCH)
/** Where one id is written as text (`xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx`). */
const text = Buffer.alloc(36)
/** The next unused id of {@link random}; {@link BATCH} means "refill first". */
let next = BATCH
/** Two hexadecimal digits per byte value, as their ASCII codes (high digit in the upper 8 bits). */
const HEX = new Uint16Array(256)
for (let value = 0; value < 256; value++) {
  const digits = value.toString(16).padStart(2, '0')
  HEX[value] = (digits.charCodeAt(0) << 8) | digits.charCodeAt(1)
}
/** Where the text of each of the 16 bytes starts (the dashes stay where they were written). */
const OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]
text.fill(0x2d) // '-'

/** A new random UUID (RFC 9562 section 5.4: version 4, variant 10), lower case. */
export function randomUuid(): string {
  if (next === BATCH) {
    randomFillSync(random)
    next = 0
  }
  const start = 16 * next++
  for (let index = 0; index < 16; index++) {
    let byte = random[start + index] as number
    // RFC 9562 section 5.4: the version (0100) in the high bits of byte 6, the variant (10) in byte 8.
    if (index === 6) byte = (byte & 0x0f) | 0x40
    else if (index === 8) byte = (byte & 0x3f) | 0x80
    const digits = HEX[byte] as number
    const at = OFFSETS[index] as number
    text[at] = digits >> 8
    text[at + 1] = digits & 0xff
  }
  return text.toString('latin1', 0, 36)
}
