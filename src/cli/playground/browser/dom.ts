// Building the page: HTML and SVG elements, and the plain-words names of who talks to whom.

function byId(id: string): HTMLElement {
  const found = document.getElementById(id)
  if (found === null) throw new Error('the playground page has no #' + id)
  return found
}

/** An element with attributes (`text` sets the text) and children (strings become text; null is skipped). */
function el(tag: string, attrs: Readonly<Record<string, string>> = {}, children: readonly (Node | string | null)[] = []): HTMLElement {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'text') node.textContent = value
    else node.setAttribute(name, value)
  }
  for (const child of children) {
    if (child !== null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
  }
  return node
}

const SVG_NS = 'http://www.w3.org/2000/svg'

function svg(tag: string, attrs: Readonly<Record<string, string | number>>, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

function actorName(flow: Flow, actor: ActorId): string {
  return flow.names?.[actor] ?? ACTORS[actor]
}

/** "A → B", or "A ⇄ B" when B answers A, for the step cards (the diagram scrolls on a phone). */
function who(flow: Flow, step: Step): string {
  const pairs: { from: ActorId; to: ActorId; both: boolean }[] = []
  for (const [from, to] of step.arrows) {
    const back = pairs.find((pair) => pair.from === to && pair.to === from)
    if (back !== undefined) back.both = true
    else if (!pairs.some((pair) => pair.from === from && pair.to === to)) pairs.push({ from, to, both: false })
  }
  return pairs
    .map((pair) =>
      pair.from === pair.to
        ? actorName(flow, pair.from)
        : actorName(flow, pair.from) + (pair.both ? ' \u21c4 ' : ' \u2192 ') + actorName(flow, pair.to),
    )
    .join(', ')
}

/** Where a step stands: done or failed once it ran, current when every step before it is done, else pending. */
function stepStatus(flow: Flow, run: Run, index: number): 'done' | 'failed' | 'current' | 'pending' {
  const step = flow.steps[index]
  const result = step === undefined ? undefined : run.results[step.id]
  if (result !== undefined) return result.ok ? 'done' : 'failed'
  for (const prior of flow.steps.slice(0, index)) {
    if (run.results[prior.id]?.ok !== true) return 'pending'
  }
  if (flow.needs === 'refresh_token' && !state.tokens?.refresh_token && !run.data.r1) return 'pending'
  return 'current'
}
