// The playground's entry (joined last): reads the callback, renders the page and runs the steps.

// The callback: read the response parameters once, then drop them from the address bar.
const arrived = location.pathname === config.callbackPath
if (arrived) {
  const params = new URLSearchParams(location.search)
  // The flow that sent the browser to the server (the code flow, for a state saved before there were two).
  state.flow = state.redirected ?? 'code'
  delete state.redirected
  const data = currentRun().data
  data.callbackUrl = location.pathname + location.search
  data.code = params.get('code') || undefined
  data.returnedState = params.get('state')
  data.iss = params.get('iss')
  data.error = params.get('error') || undefined
  data.errorDescription = params.get('error_description') || undefined
  saveState()
  history.replaceState(null, '', config.pagePath)
}

/** Marks the flow's callback step once the browser is back from the server. */
function settleCallback(flow: Flow, run: Run): void {
  const data = run.data
  if (!flow.steps.some((step) => step.auto === true) || data.callbackUrl === undefined || run.results['callback'] !== undefined) return
  const ok = data.error === undefined && data.code !== undefined && data.returnedState === data.state && data.iss === config.issuer
  run.results['callback'] = { ok }
  run.results['authorize'] ??= { ok: true }
  saveState()
  announce(ok ? 'Back from the server with a code.' : 'The server answered with an error.')
}

async function perform(step: Step, run: Run, button: HTMLButtonElement): Promise<void> {
  button.disabled = true
  if (step.local !== undefined) {
    try {
      run.results[step.id] = { ok: true, values: await step.local(run) }
      announce(step.title + ': done.')
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      run.results[step.id] = { ok: false, values: [['error', message]] }
      announce(step.title + ': ' + message)
    }
  } else if (step.navigate !== undefined) {
    // A new authorization request: this step and every later one start over.
    const flow = FLOWS[state.flow]
    for (const later of flow.steps.slice(flow.steps.indexOf(step))) delete run.results[later.id]
    const answer = ['callbackUrl', 'code', 'returnedState', 'iss', 'error', 'errorDescription', 'idToken', 'accessToken', 'atHash'] as const
    for (const key of answer) delete run.data[key]
    state.redirected = state.flow
    saveState()
    step.navigate(run)
    return
  } else if (step.request !== undefined) {
    const request = buildRequest(step.request(run))
    const response = await send(request)
    const ok = response.status !== 0 && response.status === (step.expect ?? 200) && (step.verify?.(response, run) ?? true)
    run.results[step.id] = { ok, request, response }
    if (response.status !== 0) {
      step.after?.(run, response)
      announce(step.title + ': ' + response.status + ' ' + response.statusText + (ok ? ', as expected.' : ', not what was expected.'))
    }
  }
  saveState()
  render(true)
}

function announce(text: string): void {
  byId('status').textContent = text
}

function renderChoices(): void {
  const box = byId('choices')
  box.textContent = ''
  for (const id of Object.keys(FLOWS) as FlowId[]) {
    if (FLOWS[id].offered === false) continue
    const input = el('input', { type: 'radio', name: 'grant', value: id, id: 'grant-' + id }) as HTMLInputElement
    if (id === state.flow) input.checked = true
    input.addEventListener('change', () => {
      state.flow = id
      saveState()
      render(false)
    })
    const label = [input, el('strong', { text: FLOWS[id].title }), el('span', { text: FLOWS[id].short })]
    box.appendChild(el('label', { class: 'choice', for: 'grant-' + id }, label))
  }
}

function render(moveFocus: boolean): void {
  if (FLOWS[state.flow]?.offered === false) state.flow = 'code'
  const flow = FLOWS[state.flow] ?? FLOWS.code
  const run = currentRun()
  settleCallback(flow, run)
  byId('flow-title').textContent = flow.title
  byId('flow-summary').textContent = flow.summary
  renderDiagram(flow, run)
  const next = renderSteps(flow, run)
  if (moveFocus && next !== null) next.focus()
}

byId('reset').addEventListener('click', () => {
  delete state.runs[state.flow]
  saveState()
  render(true)
})
renderChoices()
render(arrived)
