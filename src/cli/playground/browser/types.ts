// The playground's types (global: these files are scripts sharing one scope, see tsconfig.json).

/** The page's JSON (`#playground-config`), written by page.ts. */
type PageData = import('../config').PlaygroundPageData

/** Who takes part in a flow. */
type ActorId = 'user' | 'client' | 'server'

/** The grants and endpoints the playground walks through. */
type FlowId = 'code' | 'oidc' | 'client_credentials' | 'refresh' | 'revocation' | 'introspection'

/** An arrow of the sequence diagram: from, to, label, and whether it is a response (dashed). */
type Arrow = readonly [from: ActorId, to: ActorId, label: string, dashed?: boolean]

/** A parsed JSON answer of the server. */
type Json = Readonly<Record<string, unknown>>

/** An `Authorization` header and the sentence that explains it on the card. */
interface AuthSpec {
  readonly header: string
  readonly note: string
}

/** A request a step sends: endpoint path, form (POST, the default) or none (GET), and an `Authorization` header. */
interface RequestSpec {
  readonly method?: 'GET' | 'POST'
  readonly path: string
  readonly form: Readonly<Record<string, string>>
  readonly auth?: AuthSpec
}

/** A request as sent, shown as HTTP text. */
interface SentRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly authNote: string | undefined
}

/** A response as received (the network error included, as status 0). */
interface ReceivedResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly json: Json | null
}

/** What a step ended with: `values` for a local step, `request`/`response` for one that talks to the server. */
interface StepResult {
  readonly ok: boolean
  readonly values?: readonly (readonly [string, string])[]
  readonly request?: SentRequest
  readonly response?: ReceivedResponse
}

/** What a flow's steps keep for the later ones. */
interface RunData {
  verifier?: string | undefined
  challenge?: string | undefined
  state?: string | undefined
  callbackUrl?: string | undefined
  code?: string | undefined
  returnedState?: string | null | undefined
  iss?: string | null | undefined
  error?: string | undefined
  errorDescription?: string | undefined
  r1?: string | undefined
  r2?: string | undefined
  r3?: string | undefined
  token?: string | undefined
  /** OpenID Connect: the nonce sent with the authorization request, and what the token endpoint answered. */
  nonce?: string | undefined
  idToken?: string | undefined
  accessToken?: string | undefined
  /** The at_hash the access token gives, computed when the ID token is decoded. */
  atHash?: string | undefined
}

/** One run of a flow: the results by step id, and the data. */
interface Run {
  results: Partial<Record<string, StepResult>>
  data: RunData
}

/** The tokens the code flow got, for the refresh flow. */
interface Tokens {
  readonly access_token: string | undefined
  readonly refresh_token: string | undefined
  readonly original_refresh_token?: string | undefined
}

/** Everything kept in sessionStorage across the redirect to the server and back. */
interface PlaygroundState {
  v: 1
  flow: FlowId
  runs: Partial<Record<FlowId, Run>>
  tokens: Tokens | null
  /** The flow whose authorization request the browser left for; its callback step reads the answer. */
  redirected?: FlowId | undefined
}

/** One step of a flow. Exactly one of `local`, `navigate`, `request` or `auto` says what it does. */
interface Step {
  readonly id: string
  readonly title: string
  readonly text: string
  readonly arrows: readonly Arrow[]
  /** The button's label. */
  readonly action?: string
  /** The expected status. Default 200. */
  readonly expect?: number
  /** Done by the browser arriving at the callback, not by a button. */
  readonly auto?: boolean
  /** Computed in the page; resolves to the values to show. */
  readonly local?: (run: Run) => Promise<[string, string][]>
  readonly preview?: (run: Run) => { readonly url: string }
  readonly navigate?: (run: Run) => void
  readonly request?: (run: Run) => RequestSpec
  readonly after?: (run: Run, response: ReceivedResponse) => void
  /** A check of the answer beyond its status. */
  readonly verify?: (response: ReceivedResponse, run: Run) => boolean
  /** More to show on the card, below the rest, whatever the step's status (e.g. a decoded token). */
  readonly detail?: (run: Run, item: HTMLElement) => void
}

/** A flow the page can walk through. */
interface Flow {
  readonly title: string
  readonly short: string
  readonly summary: string
  readonly actors: readonly ActorId[]
  /** Actor names other than {@link ACTORS}. */
  readonly names?: Partial<Record<ActorId, string>>
  /** A refresh token from the code flow. */
  readonly needs?: 'refresh_token'
  /** Whether the page offers the flow (the server may lack what it needs). Default true. */
  readonly offered?: boolean
  readonly steps: readonly Step[]
  readonly done: string
}
