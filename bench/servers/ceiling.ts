/**
 * The ceiling: bare node:http that reads and parses the same urlencoded body and answers a fixed JSON.
 * With `--random`, it also adds 32 random bytes, base64url, per response (what any token costs at least).
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { announce } from './shared.ts'

const random = process.argv.includes('--random')
const fixed = JSON.stringify({ access_token: 'x'.repeat(43), token_type: 'Bearer', expires_in: 3600 })

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    if (params.get('grant_type') === null) {
      res.writeHead(400).end()
      return
    }
    const body = random
      ? JSON.stringify({ access_token: randomBytes(32).toString('base64url'), token_type: 'Bearer', expires_in: 3600 })
      : fixed
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body)
  })
})
announce(server)
