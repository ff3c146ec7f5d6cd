/**
 * The store suites' fixtures, kept under their old names: the one clock and the record factories live in
 * test/helpers/records.ts.
 */
export { access, code, refresh, rotation, TestClock as FakeClock } from '../helpers/records.ts'
