// The page's configuration and the state kept in sessionStorage across the redirect to the server and back.

const config = JSON.parse(document.getElementById('playground-config')?.textContent ?? '{}') as PageData
const STORAGE_KEY = 'oauth2-stack-playground'
const redirectUri = location.origin + config.callbackPath
const confidential = config.confidentialClient
const scope = config.scopes.join(' ')
const ACTORS: Readonly<Record<ActorId, string>> = {
  user: 'You (browser)',
  client: 'Playground app',
  server: 'Authorization server',
}

function loadState(): PlaygroundState {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as PlaygroundState | null
    if (saved !== null && saved.v === 1) return saved
  } catch {
    // Start afresh.
  }
  return { v: 1, flow: 'code', runs: {}, tokens: null }
}

const state = loadState()

function saveState(): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state))
}

/** The run of the current flow, started if there is none. */
function currentRun(): Run {
  let run = state.runs[state.flow]
  if (run === undefined) {
    run = { results: {}, data: {} }
    state.runs[state.flow] = run
  }
  return run
}

/** A string field of a JSON answer. */
function field(json: Json | null, key: string): string | undefined {
  const value = json?.[key]
  return typeof value === 'string' ? value : undefined
}
