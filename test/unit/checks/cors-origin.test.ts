import { describe, expect, it } from 'vitest'
import { checkCorsOrigin } from '../../../src/checks/cors-origin.ts'

describe('checkCorsOrigin: a registered CORS origin is exactly what a browser sends in Origin (RFC 6454)', () => {
  it.each([
    'https://app.example',
    'https://app.example:8443',
    'http://localhost:3000',
    'http://127.0.0.1',
    'http://[::1]:8080',
    'https://xn--bcher-kva.example',
  ])('accepts %s', (origin) => {
    expect(checkCorsOrigin(origin)).toBeUndefined()
  })

  it.each([
    ['https://app.example/', 'no path'],
    ['https://app.example/app', 'no path'],
    ['https://app.example?x=1', 'no path'],
    ['https://app.example:443', 'default port'],
    ['http://localhost:80', 'default port'],
    ['https://APP.example', 'canonical form'],
    ['https://bücher.example', 'character a URI may not contain'],
    ['https://user@app.example', 'user name'],
    ['http://app.example', 'not loopback'],
    ['com.example.app://cb', 'must use https'],
    ['*', 'not an absolute URI'],
    ['null', 'not an absolute URI'],
    ['https://app.example#', 'fragment'],
    ['', 'not an absolute URI'],
  ])('refuses %j (%s)', (origin, why) => {
    const problem = checkCorsOrigin(origin)
    expect(problem).toContain(`${JSON.stringify(origin)} is not an origin`)
    expect(problem).toContain(why)
  })
})
