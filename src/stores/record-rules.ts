/**
 * The argument rules of {@link RecordStore}, written once for every backend: what a kind, a key, a value
 * and a window may be. A feature that breaks them has a bug, so they throw `TypeError`, never an OAuth
 * error.
 *
 * @module
 */
import { ConfigurationError } from '../errors.ts'
import type { RecordStore } from './types.ts'

/** `[a-z][a-z0-9_]{0,31}`: a kind is a fixed name chosen by a feature, safe in every backend's key syntax. */
const KIND = /^[a-z][a-z0-9_]{0,31}$/
/** Control characters (C0, DEL, C1): never in a key, so no backend's protocol can be confused by one. */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** The longest key, in characters. */
export const MAX_RECORD_KEY_LENGTH = 512
/** The longest value, in UTF-16 code units (64 KiB). */
export const MAX_RECORD_VALUE_LENGTH = 65_536

/** Checks a kind and a key before any backend sees them. */
export function checkRecordKey(kind: string, key: string): void {
  if (!KIND.test(kind)) throw new ConfigurationError(`RecordStore: kind must match ${KIND.source}, got ${JSON.stringify(kind)}`)
  if (key.length === 0 || key.length > MAX_RECORD_KEY_LENGTH || CONTROL.test(key)) {
    throw new ConfigurationError(`RecordStore: a key is 1 to ${MAX_RECORD_KEY_LENGTH} characters without control characters`)
  }
}

/** Checks a value and an optional expiry (whole epoch seconds). */
export function checkRecordValue(value: string, expiresAt: number | undefined): void {
  if (value.length > MAX_RECORD_VALUE_LENGTH)
    throw new ConfigurationError(`RecordStore: a value is at most ${MAX_RECORD_VALUE_LENGTH} characters`)
  if (expiresAt !== undefined && !Number.isSafeInteger(expiresAt)) {
    throw new ConfigurationError('RecordStore: expiresAt is whole seconds since the epoch')
  }
}

/** Checks a counter window: whole seconds, 1 to a year. */
export function checkWindow(windowSeconds: number): void {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 31_536_000) {
    throw new ConfigurationError('RecordStore: windowSeconds is a whole number of seconds from 1 to 31536000')
  }
}

/** Whether `store` offers the {@link RecordStore} primitives (an optional capability of a store). */
export function isRecordStore(store: object): store is RecordStore {
  return (
    typeof (store as Partial<RecordStore>).consumeOnce === 'function' && typeof (store as Partial<RecordStore>).increment === 'function'
  )
}
