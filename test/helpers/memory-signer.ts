/**
 * A small in-memory {@link Signer} for tests, from jose keys made once: one key per algorithm, its `kid`
 * in the header. The real, store-backed key set (src/keys/) implements the same interface.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import type { Signer, SigningAlgorithm } from '../../src/keys/types.ts'

interface Key {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

export class MemorySigner implements Signer {
  readonly algorithms: readonly SigningAlgorithm[]
  readonly #keys: ReadonlyMap<SigningAlgorithm, Key>

  private constructor(keys: ReadonlyMap<SigningAlgorithm, Key>) {
    this.#keys = keys
    this.algorithms = [...keys.keys()]
  }

  /** A signer with a fresh key for each algorithm (RS256 first). */
  static async create(algorithms: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA']): Promise<MemorySigner> {
    const keys = new Map<SigningAlgorithm, Key>()
    for (const alg of algorithms) {
      const pair = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
      const kid = `test-${alg.toLowerCase()}`
      keys.set(alg, { kid, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } })
    }
    return new MemorySigner(keys)
  }

  sign(payload: Readonly<Record<string, unknown>>, options: { readonly alg: SigningAlgorithm; readonly typ?: string }): Promise<string> {
    const key = this.#keys.get(options.alg)
    if (key === undefined) return Promise.reject(new Error(`no ${options.alg} key`))
    const header = options.typ === undefined ? { alg: options.alg, kid: key.kid } : { alg: options.alg, kid: key.kid, typ: options.typ }
    return new SignJWT({ ...payload }).setProtectedHeader(header).sign(key.privateKey)
  }

  async jwks(): Promise<{ readonly keys: readonly JWK[] }> {
    return { keys: [...this.#keys.values()].map((key) => key.jwk) }
  }
}
