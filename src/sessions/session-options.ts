import type { RecordStore } from '../stores/types.ts'
import { RememberedConsents } from './consent-store.ts'
import type { IdTokenHintVerifier } from './interaction-flow.ts'
import { LoginSessions, type SessionLifetimes } from './login-sessions.ts'

/**
 * The controller's `sessions` option: lifetimes of login sessions and of remembered consent. They apply
 * when the site adapter implements the login/consent split (`SiteAdapter.login`); see
 * docs/sessions-and-consent.md. Every time is in seconds.
 */
export interface SessionOptions extends SessionLifetimes {
  /** How long consent is remembered after it was last given. Default 180 days. */
  readonly consentLifetime?: number
  /**
   * Checks an `id_token_hint` (OpenID Connect Core section 3.1.2.1); without it the hint is ignored.
   * The OpenID Connect feature provides one.
   */
  readonly verifyIdTokenHint?: IdTokenHintVerifier
}

/** The controller's login sessions and remembered consent, over its record store. */
export interface SessionServices {
  readonly sessions: LoginSessions
  readonly consents: RememberedConsents
  readonly verifyIdTokenHint: IdTokenHintVerifier | undefined
}

/** Builds {@link SessionServices} once, at start-up; `tokens` is the access token store (its `revokeFamilies`, when it has one). */
export function createSessionServices(
  records: RecordStore,
  tokens: object,
  context: { readonly secure: boolean; readonly now: () => number },
  options: SessionOptions = {},
): SessionServices {
  const { consentLifetime, verifyIdTokenHint, ...lifetimes } = options
  return {
    sessions: new LoginSessions(records, { ...lifetimes, ...context }),
    consents: new RememberedConsents(records, {
      now: context.now,
      tokens,
      ...(consentLifetime === undefined ? {} : { lifetime: consentLifetime }),
    }),
    verifyIdTokenHint,
  }
}
