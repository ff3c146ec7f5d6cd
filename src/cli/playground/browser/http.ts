// Requests: PKCE and client-authentication helpers (Basic, Bearer), the requests the steps send, and their HTTP text.

function b64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomString(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)))
}

/** RFC 6749 section 2.3.1: the client id and secret are form-encoded before Basic. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}

function confidentialAuth(): AuthSpec {
  const { clientId, clientSecret } = confidential
  return {
    header: 'Basic ' + btoa(formEncode(clientId) + ':' + formEncode(clientSecret)),
    note: 'Authorization is Basic base64(' + clientId + ':' + clientSecret + ').',
  }
}

/** RFC 6750 section 2.1: the access token in the Authorization header. */
function bearerAuth(token: string): AuthSpec {
  return { header: 'Bearer ' + token, note: 'Authorization is Bearer and the access token (RFC 6750 section 2.1).' }
}

function clientCredentialsRequest(): RequestSpec {
  return { path: config.tokenPath, form: { grant_type: 'client_credentials', scope }, auth: confidentialAuth() }
}

/** Keeps the access token of the answer as `data.token`. */
function keepToken(run: Run, response: ReceivedResponse): void {
  const token = field(response.json, 'access_token')
  if (token !== undefined) run.data.token = token
}

function authorizeUrl(run: Run): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.publicClientId,
    redirect_uri: redirectUri,
    scope,
    state: run.data.state ?? '',
    code_challenge: run.data.challenge ?? '',
    code_challenge_method: 'S256',
  })
  return config.authorizePath + '?' + params.toString()
}

function buildRequest(request: RequestSpec): SentRequest {
  const method = request.method ?? 'POST'
  const headers: Record<string, string> = method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}
  if (request.auth !== undefined) headers['Authorization'] = request.auth.header
  return {
    method,
    path: request.path,
    headers,
    body: method === 'POST' ? new URLSearchParams(request.form).toString() : '',
    authNote: request.auth?.note,
  }
}

function httpText(request: SentRequest): string {
  const lines = [request.method + ' ' + request.path + ' HTTP/1.1', 'Host: ' + location.host]
  for (const [name, value] of Object.entries(request.headers)) lines.push(name + ': ' + value)
  return lines.join('\n') + (request.body === '' ? '' : '\n\n' + request.body)
}

function responseText(response: ReceivedResponse): string {
  const lines = ['HTTP/1.1 ' + response.status + ' ' + response.statusText]
  for (const [name, value] of Object.entries(response.headers)) lines.push(name + ': ' + value)
  const body = response.json !== null ? JSON.stringify(response.json, null, 2) : response.body
  return lines.join('\n') + '\n\n' + body
}

/** Sends a step's request from the page and reads the answer; a network error is status 0. */
async function send(request: SentRequest): Promise<ReceivedResponse> {
  try {
    const response = await fetch(request.path, {
      method: request.method,
      headers: request.headers,
      ...(request.method === 'POST' ? { body: request.body } : {}),
      credentials: 'omit',
      cache: 'no-store',
    })
    const text = await response.text()
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'cache-control', 'pragma', 'www-authenticate']) {
      const value = response.headers.get(name)
      if (value !== null) headers[name] = value
    }
    let json: Json | null = null
    try {
      json = text === '' ? null : (JSON.parse(text) as Json)
    } catch {
      json = null
    }
    return { status: response.status, statusText: response.statusText, headers, body: text, json }
  } catch (error) {
    return { status: 0, statusText: 'network error', headers: {}, body: String(error), json: null }
  }
}
