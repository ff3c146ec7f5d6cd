/** A horizontal bar chart (SVG, no dependencies) of throughput as a ratio of the ceiling. */
import type { Measurement } from './harness.ts'

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

export function renderChart(results: readonly Measurement[], ceiling: (scenario: string) => number | undefined): string {
  const rowHeight = 22
  const labelWidth = 430
  const barWidth = 360
  const rows = results.map((result) => {
    const base = ceiling(result.scenario)
    return {
      label: `${result.scenario} · ${result.server}`,
      ratio: base === undefined ? 0 : result.requestsPerSecond / base,
      ours: result.server.startsWith('oauth2-stack'),
    }
  })
  const height = rows.length * rowHeight + 40
  const bars = rows
    .map((row, index) => {
      const y = 30 + index * rowHeight
      const width = Math.max(1, Math.min(1, row.ratio) * barWidth)
      return `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escape(row.label)}</text><rect x="${labelWidth}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${row.ours ? '#1246a8' : '#9aa5b1'}"/><text x="${labelWidth + width + 6}" y="${y + 14}">${row.ratio.toFixed(2)}</text>`
    })
    .join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 60}" height="${height}" font-family="system-ui,sans-serif" font-size="12">
<text x="10" y="18" font-weight="bold">Throughput as a ratio of the bare node:http ceiling (same run)</text>
${bars}
</svg>
`
}
