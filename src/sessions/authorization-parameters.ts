import { InvalidRequest } from '../errors.ts'

/** The `prompt` values the core acts on (OpenID Connect Core section 3.1.2.1). Others are ignored. */
export const KNOWN_PROMPTS: ReadonlySet<string> = new Set(['none', 'login', 'consent', 'select_account'])

/**
 * The OpenID Connect request parameters the login/consent pages carry with the form and bind to its CSRF
 * token, beside the OAuth ones (OpenID Connect Core section 3.1.2.1).
 */
export const OIDC_REQUEST_PARAMETERS = ['nonce', 'prompt', 'max_age', 'login_hint', 'id_token_hint', 'acr_values'] as const

/** The OpenID Connect parameters of an authorization request that decide login and consent. */
export interface AuthorizationParameters {
  /** The known `prompt` values asked for; unknown values are left out (ignored). */
  readonly prompts: ReadonlySet<string>
  /** `max_age` in seconds: the user must have authenticated at most this long ago. */
  readonly maxAge: number | undefined
  /** `login_hint`, handed to the login page. */
  readonly loginHint: string | undefined
  /** `id_token_hint`, checked against the session's user. */
  readonly idTokenHint: string | undefined
}

/** Parameters without any prompt, age or hint (the OAuth-only request). */
const NO_PARAMETERS: AuthorizationParameters = {
  prompts: new Set(),
  maxAge: undefined,
  loginHint: undefined,
  idTokenHint: undefined,
}

/**
 * Reads `prompt`, `max_age`, `login_hint` and `id_token_hint`. Throws `InvalidRequest` (sent to the
 * client) for `prompt=none` with another value and for a `max_age` that is not a whole number of seconds.
 */
export function readAuthorizationParameters(param: (name: string) => string | undefined): AuthorizationParameters {
  const prompt = param('prompt')
  const maxAgeText = param('max_age')
  const loginHint = param('login_hint')
  const idTokenHint = param('id_token_hint')
  if (prompt === undefined && maxAgeText === undefined && loginHint === undefined && idTokenHint === undefined) return NO_PARAMETERS
  const values = (prompt ?? '').split(' ').filter((value) => value !== '')
  // OpenID Connect Core section 3.1.2.1: "none" with any other value is an error.
  if (values.includes('none') && values.length > 1) throw new InvalidRequest('prompt=none cannot be combined with another prompt value.')
  // Unknown values are ignored (section 3.1.2.1 lists the defined ones; extensions may add others).
  const prompts = new Set(values.filter((value) => KNOWN_PROMPTS.has(value)))
  let maxAge: number | undefined
  if (maxAgeText !== undefined) {
    if (!/^\d{1,10}$/.test(maxAgeText)) throw new InvalidRequest('max_age must be a whole number of seconds.')
    maxAge = Number(maxAgeText)
  }
  return {
    prompts,
    maxAge,
    loginHint: loginHint === '' ? undefined : loginHint,
    idTokenHint: idTokenHint === '' ? undefined : idTokenHint,
  }
}
