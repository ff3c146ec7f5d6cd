/**
 * Storing and retrieving clients, codes and tokens (the seed's `oauth2.store`): the store interfaces and
 * the in-memory stores. It loads no database driver, so it bundles for any runtime; each backend has its
 * own subpath (`oauth2-stack/store/postgres`, …), and `openStore` lives in `oauth2-stack/store/open`.
 *
 * @module oauth2-stack/store
 */
export type {
  AccessTokenStore,
  AuthCodeStore,
  ClientStore,
  CodeConsumption,
  CounterReading,
  FamilyFilter,
  InProcessCapability,
  RecordStore,
  StoredRecord,
  RotationOutcome,
  RotationRequest,
  TokenStore,
} from './types.ts'
export { LocalRecordStore, type LocalRecordStoreOptions } from './memory-record-store.ts'
export { isRecordStore, MAX_RECORD_KEY_LENGTH, MAX_RECORD_VALUE_LENGTH } from './record-rules.ts'
export { DEFAULT_CONCURRENT_REFRESHES, decideRotation, isOffline, MAX_CONCURRENT_REFRESHES, successorCount } from './family.ts'
export { createClient, storedUriProblems, type ClientRegistration, type StoredUriProblem } from './client-registration.ts'
export { LocalClientStore } from './memory-client-store.ts'
export {
  checkRegisteredUri,
  type RegisteredUriKind,
  type RegisteredUriOptions,
  type RegisteredUriProblem,
  type RegisteredUriProblemCode,
} from '../checks/registered-uri.ts'
export { LocalTokenStore, type LocalTokenStoreOptions } from './memory-token-store.ts'
export type { DeviceApproval, DeviceAuthorization, DeviceCodeStore, DevicePoll } from './device-code-store.ts'
export { LocalDeviceCodeStore, type LocalDeviceCodeStoreOptions } from './memory-device-code-store.ts'
export { RecordDeviceCodeStore, type RecordDeviceCodeStoreOptions } from './record-device-code-store.ts'
export type { AdministeredClientStore } from './from-url.ts'
