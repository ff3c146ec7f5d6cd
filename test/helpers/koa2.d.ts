/**
 * `koa2` is the `koa@2` npm alias (package.json devDependencies), so the Koa adapter and the bearer guard are
 * tested on Koa 2 as well as 3. Koa 2 ships no types of its own; the application API the tests use is the same
 * as Koa 3's, whose types (@types/koa) stand in for it.
 */
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
