/**
 * `migrate()`, written once: read the applied version under the backend's migration lock, refuse a
 * newer one, create a new database at the latest version at once, or upgrade an older one version by
 * version, recording each in `schema_migrations`. Internal.
 *
 * @module
 */
import type { SqlDialect } from './dialect.ts'
import { migrationsTableStatement, schemaStatements, upgradeStatements } from './ddl.ts'
import { versionFromRow } from './rows.ts'
import { SCHEMA_VERSION } from './schema.ts'
import type { Statements } from './statements.ts'
import { first, run, type Steps } from './steps.ts'

/** The error `migrate()` throws when the database was migrated by a newer release. */
export function newerSchemaError(backend: string, version: number): Error {
  return new Error(
    `${backend}: the schema is at version ${version}, newer than the ${SCHEMA_VERSION} this oauth2-stack knows; upgrade oauth2-stack`,
  )
}

/** The migration, as steps run under the migration lock (inside one transaction where DDL is transactional). */
export function* migrationSteps(dialect: SqlDialect, statements: Statements, now: number): Steps<void> {
  for (const statement of dialect.preamble) yield* run(statement, [])
  yield* run(migrationsTableStatement(dialect), [])
  const applied = versionFromRow(yield* first(statements.selectVersion, []))
  if (applied > SCHEMA_VERSION) throw newerSchemaError(dialect.backend, applied)
  if (applied === 0) {
    for (const statement of schemaStatements(dialect)) yield* run(statement, [])
    // Where DDL commits at once (MySQL), a first migration interrupted by an older release may have left
    // tables of an older shape: the upgrades complete them (each is idempotent there).
    if (!dialect.transactionalDdl) {
      for (let version = 2; version <= SCHEMA_VERSION; version++) {
        for (const statement of upgradeStatements(dialect, version)) yield* run(statement, [])
      }
    }
    yield* run(statements.insertVersion, [SCHEMA_VERSION, now])
    return
  }
  for (let version = applied + 1; version <= SCHEMA_VERSION; version++) {
    for (const statement of upgradeStatements(dialect, version)) yield* run(statement, [])
    yield* run(statements.insertVersion, [version, now])
  }
}
