/**
 * Preloaded into a server process under test (`node --import tsx --import ./test/helpers/announce-listening.ts …`):
 * prints `LISTENING <port>` on stdout whenever a server in it starts listening, so the test learns that the
 * server is up from its output instead of polling it, whatever banner the program prints (examples/minimal.ts
 * prints none).
 */
import { Server } from 'node:net'

const listen: (...args: unknown[]) => Server = Reflect.get(Server.prototype, 'listen') as (...args: unknown[]) => Server
Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
  this.once('listening', () => {
    const address = this.address()
    if (address !== null && typeof address === 'object') process.stdout.write(`LISTENING ${address.port}\n`)
  })
  return Reflect.apply(listen, this, args)
} as Server['listen']
