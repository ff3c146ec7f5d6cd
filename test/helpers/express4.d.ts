/**
 * `express4` is the `express@4` npm alias the suites mount a second time (package.json devDependencies), so
 * the adapter and the bearer guard are tested on Express 4 as well as 5. Express 4 ships no types of its own;
 * the application API the tests use is the same as Express 5's, whose types stand in for it.
 */
declare module 'express4' {
  import express from 'express'
  export default express
}
