/**
 * Code consumption, token saving, refresh rotation and family revocation, written once for every SQL
 * backend as {@link Steps} (see `steps.ts`).
 *
 * ## Lock order (every backend, every family write)
 *
 * 1. the `families` row of each family the write touches, in sorted order (`familiesOf`), created or
 *    extended by an upsert that holds its row lock until the transaction ends;
 * 2. then the token rows: the presented refresh token (`selectForRotation … FOR UPDATE`), then the rows
 *    written or deleted.
 *
 * `saveToken`, `rotateRefreshToken` and `revokeFamily` all start at step 1, so writers to one family
 * serialize on its row and never wait for each other in opposite orders; a revocation cannot miss a
 * token saved or rotated beside it. Rotation locks the family the new tokens name (the grant read it from
 * the presented token, which never changes family) and checks, under that lock, that the presented token
 * is in it. SQLite runs the same steps in a `BEGIN IMMEDIATE` transaction, where its single writer lock
 * already excludes other writers.
 *
 * Code consumption is one conditional `UPDATE … WHERE consumed = false`: the database re-checks the
 * condition under the row's lock, so exactly one caller changes the row (RFC 6749 section 4.1.2).
 *
 * @module
 */
import type { AccessToken, RefreshToken } from '../../types.ts'
import { decideRotation, familiesOf, familyExpiry, isOffline, REVOKED_FAMILY_SECONDS, successorCount } from '../family.ts'
import type { CodeConsumption, FamilyFilter, RotationOutcome, RotationRequest } from '../types.ts'
import {
  accessValues,
  booleanColumn,
  codeFromRow,
  familyContextValues,
  isConsumed,
  refreshFromRow,
  refreshValues,
  successorFromRow,
  textColumn,
} from './rows.ts'
import type { Statements } from './statements.ts'
import { first, run, type Steps } from './steps.ts'

/** What the token steps need: the statements, and whether the dialect has `RETURNING`. */
export interface TokenSql {
  readonly statements: Statements
  readonly returning: boolean
}

/** RFC 6749 section 4.1.2 (single use): the conditional `UPDATE` decides; `RETURNING` saves a read where it exists. */
export function* consumeCode(sql: TokenSql, codeHash: string, now: number): Steps<CodeConsumption | undefined> {
  const s = sql.statements
  if (sql.returning) {
    const won = yield* first(s.consumeCode, [codeHash, now])
    if (won !== undefined) return { outcome: 'consumed', code: codeFromRow(won) }
    const row = yield* first(s.selectCode, [codeHash, now])
    return row === undefined || !isConsumed(row) ? undefined : { outcome: 'reused', code: codeFromRow(row) }
  }
  const row = yield* first(s.selectCode, [codeHash, now])
  if (row === undefined) return undefined
  const code = codeFromRow(row)
  if (isConsumed(row)) return { outcome: 'reused', code }
  // The affected-row count tells the one winner (InnoDB re-reads the row under its lock).
  const won = yield* run(s.consumeCode, [codeHash, now])
  return { outcome: won === 1 ? 'consumed' : 'reused', code }
}

/** Lock order step 1: creates or extends the family's row (with the grant's context), locked; whether it is revoked. */
function* lockFamily(sql: TokenSql, familyId: string, expiresAt: number, token: AccessToken | RefreshToken): Steps<boolean> {
  const s = sql.statements
  const values = [familyId, 0, expiresAt, ...familyContextValues(token.context, isOffline(token))]
  const row = sql.returning
    ? yield* first(s.lockFamily, values)
    : (yield* run(s.lockFamily, values), yield* first(s.selectFamily, [familyId]))
  return row !== undefined && booleanColumn(row, 'revoked')
}

function* insertAccess(sql: TokenSql, token: AccessToken): Steps<void> {
  yield* run(sql.statements.insertAccess, accessValues(token))
  if (token.uniqueKey !== undefined) yield* run(sql.statements.upsertUnique, [token.uniqueKey, token.tokenHash, token.expiresAt])
}

/** Whether a token pair needs a transaction: a family to lock, or more than one row. */
export function needsTransaction(accessToken: AccessToken, refreshToken: RefreshToken | undefined): boolean {
  return refreshToken !== undefined || accessToken.familyId !== undefined || accessToken.uniqueKey !== undefined
}

/** Saves a token pair holding its families' locks; `false`, saving nothing, into a revoked family. */
export function* saveToken(sql: TokenSql, accessToken: AccessToken, refreshToken: RefreshToken | undefined): Steps<boolean> {
  const expiresAt = familyExpiry(accessToken, refreshToken)
  for (const familyId of familiesOf(accessToken, refreshToken)) {
    if (yield* lockFamily(sql, familyId, expiresAt, refreshToken ?? accessToken)) return false
  }
  yield* insertAccess(sql, accessToken)
  if (refreshToken !== undefined) yield* run(sql.statements.insertRefresh, refreshValues(refreshToken))
  return true
}

/** Marks the family revoked for a day and deletes its tokens, holding its lock. */
export function* revokeFamily(sql: TokenSql, familyId: string, now: number): Steps<void> {
  const s = sql.statements
  yield* run(s.revokeFamily, [familyId, 1, now + REVOKED_FAMILY_SECONDS])
  yield* run(s.deleteFamilyAccess, [familyId])
  yield* run(s.deleteFamilyRefresh, [familyId])
}

/**
 * `revokeFamilies`: marks every matching family revoked for a day (locking their rows, step 1 of the lock
 * order), then deletes their tokens; resolves how many families this call revoked.
 */
export function* revokeFamilies(sql: TokenSql, filter: FamilyFilter, now: number): Steps<number> {
  const s = sql.statements
  const statements =
    filter.grantId !== undefined ? s.familiesByGrant : filter.exceptOffline === true ? s.onlineFamiliesBySession : s.familiesBySession
  const key = filter.grantId ?? filter.sessionId
  const revoked = yield* run(statements.revoke, [now + REVOKED_FAMILY_SECONDS, key])
  if (revoked > 0) {
    yield* run(statements.deleteAccess, [key])
    yield* run(statements.deleteRefresh, [key])
  }
  return revoked
}

/**
 * RFC 9700 section 4.14.2, in the lock order above: find the family through the presented token, lock
 * it, read the token `FOR UPDATE` with its successor and the sibling counts, decide with
 * `decideRotation`, apply the outcome. A normal rotation sends no more statements than before concurrent
 * refresh existed; retiring siblings costs two more, only when the presented token has any.
 */
export function* rotateRefreshToken(sql: TokenSql, request: RotationRequest, now: number): Steps<RotationOutcome> {
  const s = sql.statements
  // The family is the one the new tokens name: the grant takes it from the presented token (which never
  // changes family), so no read is needed to find it; a presented token of another family is `invalid`.
  const familyId = request.refreshToken.familyId
  const revoked = yield* lockFamily(sql, familyId, familyExpiry(request.accessToken, request.refreshToken), request.refreshToken)
  const row = yield* first(s.selectForRotation, [request.presentedHash])
  if (row === undefined || textColumn(row, 'family_id') !== familyId) return 'invalid'
  const current = refreshFromRow(row)
  const successors = successorFromRow(row)
  const decided = decideRotation(current, request, successors.rotated, successorCount(current, successors.children))
  if (decided === 'invalid') return decided
  if (decided === 'reused') {
    yield* revokeFamily(sql, current.familyId, now)
    return decided
  }
  if (revoked) return 'invalid'
  if (decided === 'rotated' && successors.siblings > 1) {
    // Concurrent refresh: the first sibling used wins; the others become tombstones (using one later is
    // reuse) and their access tokens are deleted.
    const parent = textColumn(row, 'parent_hash')
    yield* run(s.retireSiblingAccess, [parent, current.tokenHash])
    yield* run(s.retireSiblings, [request.now, parent, current.tokenHash])
  }
  yield* run(s.markRotated, [request.now, request.refreshToken.tokenHash, current.tokenHash])
  yield* insertAccess(sql, request.accessToken)
  yield* run(s.insertRefresh, refreshValues(request.refreshToken, current.tokenHash))
  return decided
}
