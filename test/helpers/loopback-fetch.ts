/**
 * A {@link SafeFetch} for tests that reaches loopback receivers over plain http (what the real, SSRF-safe
 * fetcher allows only with its development switch) and nothing else: no redirects followed.
 */
import type { SafeFetch } from '../../src/fetch/types.ts'

export const loopbackFetch: SafeFetch = async (url, init = {}) => {
  const target = new URL(url)
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost' && target.hostname !== '[::1]') {
    throw new Error(`loopbackFetch refuses ${target.hostname}`)
  }
  const response = await fetch(target, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.body === undefined ? {} : { body: init.body }),
  })
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  return { status: response.status, headers, body: await response.text() }
}
