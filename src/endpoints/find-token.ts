import type { AccessTokenStore } from '../stores/types.ts'
import { hashToken } from '../tokens/hash.ts'
import type { AccessToken, RefreshToken } from '../types.ts'

/** A token found by its value: an access token or a refresh token. */
export type FoundToken =
  | { readonly kind: 'access_token'; readonly hash: string; readonly record: AccessToken }
  | { readonly kind: 'refresh_token'; readonly hash: string; readonly record: RefreshToken }

/**
 * Finds a presented token among access and refresh tokens. `token_type_hint` only chooses where to look
 * first: RFC 7009 section 2.1 and RFC 7662 section 2.1 — if the token is not found with the hint, the
 * server MUST extend its search to all types; an unknown hint is ignored.
 */
export async function findToken(store: AccessTokenStore, token: string, hint: string | undefined): Promise<FoundToken | undefined> {
  const hash = hashToken(token)
  const findAccess = async (): Promise<FoundToken | undefined> => {
    const record = await store.fetchByToken(hash)
    return record === undefined ? undefined : { kind: 'access_token', hash, record }
  }
  const findRefresh = async (): Promise<FoundToken | undefined> => {
    const record = await store.fetchByRefreshToken(hash)
    return record === undefined ? undefined : { kind: 'refresh_token', hash, record }
  }
  const [first, second] = hint === 'refresh_token' ? [findRefresh, findAccess] : [findAccess, findRefresh]
  return (await first()) ?? (await second())
}
