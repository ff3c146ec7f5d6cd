/**
 * The start-up warning about stored short client secrets (RFC 6749 section 10.10): they keep working after
 * an upgrade, but each wrong guess costs a scrypt, so the operator is told which clients to give generated
 * secrets.
 *
 * @module
 */
import { weakSecretClients, type ClientSecretPolicy } from '../checks/client-secret-strength.ts'
import { safeLog, type Logger } from '../events/logger.ts'
import type { ClientStore } from '../stores/types.ts'
import type { Client } from '../types.ts'

/** Warns about stored short client secrets (issue 17): they keep working, but each wrong guess costs a scrypt. */
export async function warnAboutWeakSecrets(clientStore: ClientStore, policy: ClientSecretPolicy, logger: Logger): Promise<void> {
  const listing = clientStore as ClientStore & { listClients?: () => Promise<Client[]> }
  if (typeof listing.listClients !== 'function') return
  try {
    const weak = weakSecretClients(await listing.listClients(), policy)
    if (weak.length === 0) return
    const names = weak.map((client) => client.clientId).join(', ')
    safeLog(
      logger,
      'warn',
      { clients: weak.map((client) => client.clientId) },
      `client secrets shorter than 43 characters on ${policy.issuer} (${names}): each wrong guess costs a scrypt. ` +
        'Give these clients generated secrets, or set allowWeakClientSecrets.',
    )
  } catch {
    // A store that cannot list now is checked by its own health; start-up goes on.
  }
}
