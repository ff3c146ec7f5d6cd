// The step cards: what each step does, its request and response, and the button that runs it.

const BADGES = { done: '\u2713 done', failed: '\u2717 not as expected', current: 'next', pending: '' } as const

/** Multi-line display of a URL: the query and each parameter on their own line. */
function spreadUrl(url: string): string {
  return url.replace('?', '\n    ?').replace(/&/g, '\n    &')
}

/** Renders the cards; returns the button of the current step, to focus. */
function renderSteps(flow: Flow, run: Run): HTMLElement | null {
  const list = byId('steps')
  list.textContent = ''
  let focusTarget: HTMLElement | null = null
  flow.steps.forEach((step, index) => {
    const status = stepStatus(flow, run, index)
    const result = run.results[step.id]
    const badge = BADGES[status]
    const item = el('li', { class: 'step', 'data-state': status, 'data-step': step.id }, [
      el('h3', {}, [index + 1 + '. ' + step.title, badge === '' ? null : el('span', { class: 'badge', text: badge })]),
      el('p', { class: 'who', text: who(flow, step) }),
      el('p', { text: step.text }),
    ])
    if (step.local !== undefined && result?.values !== undefined && result.values.length > 0) {
      const dl = el('dl', { class: 'checks' })
      for (const [name, value] of result.values) {
        dl.appendChild(el('dt', { text: name }))
        dl.appendChild(el('dd', { text: value }))
      }
      item.appendChild(dl)
    }
    if (step.preview !== undefined && (status === 'current' || result !== undefined)) {
      item.appendChild(el('p', { class: 'label', text: 'Authorization request (your browser goes here)' }))
      item.appendChild(el('pre', { text: 'GET ' + spreadUrl(step.preview(run).url) }))
    }
    if (step.auto === true) renderCallback(item, run)
    if (step.request !== undefined && (status === 'current' || result !== undefined)) {
      const request = result?.request ?? buildRequest(step.request(run))
      item.appendChild(el('p', { class: 'label', text: 'Request' }))
      item.appendChild(el('pre', { class: 'request', text: httpText(request) }))
      if (request.authNote !== undefined) item.appendChild(el('p', { text: request.authNote }))
      if (result?.response !== undefined) {
        item.appendChild(el('p', { class: 'label', text: 'Response' }))
        item.appendChild(el('pre', { class: 'response', text: responseText(result.response) }))
        if (!result.ok) {
          const described = step.verify === undefined ? '' : ' with the answer described above'
          item.appendChild(el('p', { class: 'bad', text: 'Expected ' + (step.expect ?? 200) + described + '.' }))
        }
      }
    }
    step.detail?.(run, item)
    if (flow.needs === 'refresh_token' && index === 0 && status === 'pending' && result === undefined) {
      const go = el('button', { type: 'button', class: 'secondary', text: 'Run the authorization code flow first' })
      go.addEventListener('click', () => {
        state.flow = 'code'
        delete state.runs.code
        saveState()
        render(false)
      })
      item.appendChild(el('p', { text: 'This flow needs a refresh token from the authorization code flow.' }))
      item.appendChild(go)
    }
    if (status === 'current' && step.auto !== true) {
      const button = el('button', { type: 'button', text: step.action ?? '' }) as HTMLButtonElement
      button.addEventListener('click', () => void perform(step, run, button))
      item.appendChild(button)
      focusTarget ??= button
    }
    if (status === 'failed' && step.request !== undefined) {
      const again = el('button', { type: 'button', class: 'secondary', text: 'Send again' })
      again.addEventListener('click', () => {
        delete run.results[step.id]
        saveState()
        render(false)
      })
      item.appendChild(again)
    }
    list.appendChild(item)
  })
  const last = flow.steps[flow.steps.length - 1]
  if (last !== undefined && run.results[last.id]?.ok === true) {
    list.appendChild(el('li', { class: 'step', 'data-state': 'done', 'data-step': 'finished' }, [el('p', { text: flow.done })]))
  }
  return focusTarget
}

/** The checks the app makes on the authorization response it arrived with (RFC 6749 section 4.1.2, RFC 9207). */
function renderCallback(item: HTMLElement, run: Run): void {
  const data = run.data
  if (data.callbackUrl === undefined) return
  item.appendChild(el('p', { class: 'label', text: 'Your browser arrived at' }))
  item.appendChild(el('pre', { text: 'GET ' + spreadUrl(data.callbackUrl) }))
  const dl = el('dl', { class: 'checks' })
  const check = (name: string, ok: boolean, text: string): void => {
    dl.appendChild(el('dt', { text: name }))
    dl.appendChild(el('dd', {}, [el('span', { class: ok ? 'ok' : 'bad', text: ok ? '\u2713 ' : '\u2717 ' }), text]))
  }
  if (data.error !== undefined)
    check('error', false, data.error + (data.errorDescription !== undefined ? ': ' + data.errorDescription : ''))
  else check('code', data.code !== undefined, data.code !== undefined ? 'received (single use, short-lived)' : 'missing')
  const stateOk = data.returnedState === data.state
  check('state', stateOk, stateOk ? 'matches what the app sent' : 'does not match: ignore this answer')
  const issOk = data.iss === config.issuer
  check('iss', issOk, issOk ? config.issuer + ', the server the app asked' : 'unexpected issuer: ignore this answer')
  item.appendChild(dl)
}
