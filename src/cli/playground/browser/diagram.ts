// The sequence diagram: one lifeline per actor, one arrow per message, the next step highlighted.

function renderDiagram(flow: Flow, run: Run): void {
  const actors = flow.actors
  const width = 640
  const margin = 90
  const top = 56
  const row = 44
  const arrows: { from: ActorId; to: ActorId; label: string; dashed: boolean; status: string; n: number }[] = []
  flow.steps.forEach((step, index) => {
    const status = stepStatus(flow, run, index)
    for (const [from, to, label, dashed] of step.arrows) arrows.push({ from, to, label, dashed: dashed === true, status, n: index + 1 })
  })
  const height = top + arrows.length * row + 24
  const x: Partial<Record<ActorId, number>> = {}
  actors.forEach((actor, i) => {
    x[actor] = actors.length === 1 ? width / 2 : margin + (i * (width - 2 * margin)) / (actors.length - 1)
  })
  const at = (actor: ActorId): number => x[actor] ?? 0
  const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': 'diagram-title diagram-desc' })
  root.appendChild(svg('title', { id: 'diagram-title' }, 'Sequence of the ' + flow.title + ' flow'))
  const description = arrows.map((a) => a.n + '. ' + actorName(flow, a.from) + ' to ' + actorName(flow, a.to) + ': ' + a.label)
  root.appendChild(svg('desc', { id: 'diagram-desc' }, description.join('; ')))
  root.appendChild(svg('defs', {}))
  for (const actor of actors) {
    root.appendChild(svg('line', { class: 'lifeline', x1: at(actor), y1: 36, x2: at(actor), y2: height - 8 }))
    const g = svg('g', { class: 'actor ' + actor })
    g.appendChild(svg('rect', { x: at(actor) - 80, y: 4, width: 160, height: 32, rx: 8 }))
    g.appendChild(svg('text', { x: at(actor), y: 25, 'text-anchor': 'middle' }, actorName(flow, actor)))
    root.appendChild(g)
  }
  arrows.forEach((a, i) => {
    const y = top + i * row + 22
    const g = svg('g', { class: 'arrow ' + a.status + (a.dashed ? ' dashed' : '') })
    const x1 = at(a.from)
    const x2 = at(a.to)
    if (a.from === a.to) {
      g.appendChild(svg('path', { d: 'M' + x1 + ' ' + (y - 8) + ' h 46 v 16 h -40' }))
      g.appendChild(svg('polygon', { points: x1 + 2 + ',' + (y + 8) + ' ' + (x1 + 10) + ',' + (y + 4) + ' ' + (x1 + 10) + ',' + (y + 12) }))
      g.appendChild(svg('text', { x: x1 + 54, y: y + 4 }, a.label))
    } else {
      const dir = x2 > x1 ? 1 : -1
      g.appendChild(svg('line', { x1, y1: y, x2: x2 - dir * 8, y2: y }))
      g.appendChild(svg('polygon', { points: x2 + ',' + y + ' ' + (x2 - dir * 9) + ',' + (y - 5) + ' ' + (x2 - dir * 9) + ',' + (y + 5) }))
      const label = a.label.length > 62 ? a.label.slice(0, 60) + '\u2026' : a.label
      g.appendChild(svg('text', { x: (x1 + x2) / 2, y: y - 7, 'text-anchor': 'middle' }, label))
    }
    const cx = Math.min(x1, x2) - 22
    g.appendChild(svg('circle', { class: 'num', cx, cy: y, r: 9 }))
    g.appendChild(svg('text', { class: 'numtext', x: cx, y: y + 4, 'text-anchor': 'middle' }, String(a.n)))
    root.appendChild(g)
  })
  const box = byId('diagram')
  box.textContent = ''
  box.appendChild(root)
}
