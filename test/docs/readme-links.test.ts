/**
 * The README's links work where users read it, the registry's page included, which resolves no relative
 * link: each is an absolute link (to this repository's files on GitHub, checked to exist here) or an anchor
 * of one of its own headings. And no doc points at files outside the repository.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const REPOSITORY = /^https:\/\/github\.com\/oauth2-stack\/oauth2-stack\/(?:blob|tree)\/main\/(.+)$/
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '')

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-')

describe('README links', () => {
  it('has links to check', () => {
    expect(links.length).toBeGreaterThan(5)
  })

  it('are absolute or anchors', () => {
    expect(links.filter((link) => !/^(https:\/\/|#)/.test(link))).toEqual([])
  })

  it("to the repository's files name files that exist", () => {
    const missing = links.flatMap((link) => {
      const path = REPOSITORY.exec(link)?.[1]
      return path !== undefined && !existsSync(join(root, path.split('#')[0] ?? '')) ? [link] : []
    })
    expect(missing).toEqual([])
  })

  it('to anchors name headings of the README', () => {
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')))
    expect(links.filter((link) => link.startsWith('#') && !anchors.has(link.slice(1)))).toEqual([])
  })

  it.each(['README.md', 'docs/architecture.md', 'CHANGELOG.md', 'SECURITY.md', 'examples/workers/README.md'])(
    '%s refers to no file outside the repository',
    (path) => {
      const text = readFileSync(join(root, path), 'utf8')
      expect(text).not.toMatch(/\/work\/|`shared\/|\]\(\.\.\/\.\.\//)
    },
  )
})
