/**
 * A MysqlStore over the pool it makes itself (`uri`): each connection's session runs READ COMMITTED from
 * the moment it opens (so a transaction begins in one round trip), and the store's transactions work on
 * it: a pair saved, rotated, a reuse revoking the family. The contract suite runs on pools passed in.
 */
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { MysqlStore } from '../../src/stores/mysql.ts'
import { recordsNow } from '../helpers/records.ts'
import { MYSQL_URL, probeService, uniqueName, whenReachable } from './services.ts'

const service = await probeService('MariaDB/MySQL', MYSQL_URL, 3306)
// The shared records at this moment: the store keeps its own (real) clock.
const { seconds, access, refresh } = recordsNow()

whenReachable(service, () => {
  describe('MysqlStore over its own pool', () => {
    const prefix = `${uniqueName('own')}_`
    const store = new MysqlStore({ uri: MYSQL_URL, tablePrefix: prefix, maxConnections: 2 })
    afterAll(async () => {
      const [tables] = await store.pool.query<RowDataPacket[]>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
      )
      for (const { name } of tables) if (String(name).startsWith(prefix)) await store.pool.query(`DROP TABLE \`${String(name)}\``)
      await store.close()
    })

    it("runs every connection's session at READ COMMITTED and its transactions on it", async () => {
      await store.migrate()
      // Both connections of the pool, each checked out while the other is held.
      const held = [await store.pool.getConnection(), await store.pool.getConnection()]
      for (const connection of held) {
        // MariaDB before 11.1 knows only tx_isolation, MySQL 8 only transaction_isolation.
        const [[version]] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v')
        const variable = /mariadb/i.test(String(version?.['v'])) ? 'tx_isolation' : 'transaction_isolation'
        const [rows] = await connection.query<RowDataPacket[]>(`SELECT @@SESSION.${variable} AS level`)
        expect(rows[0]?.['level']).toBe('READ-COMMITTED')
        connection.release()
      }
      const now = seconds()
      expect(await store.saveToken(access('own-a1', 'own-f'), refresh('own-r1', 'own-f', 'own-a1'))).toBe(true)
      const rotation = { clientId: 'abc', now, graceSeconds: 0, accessToken: access('own-a2', 'own-f') }
      expect(
        await store.rotateRefreshToken({ ...rotation, presentedHash: 'own-r1', refreshToken: refresh('own-r2', 'own-f', 'own-a2') }),
      ).toBe('rotated')
      expect((await store.fetchByRefreshToken('own-r1'))?.successorHash).toBe('own-r2')
      // The rotated-out token again: reuse, and the family is revoked.
      const again = { ...rotation, accessToken: access('own-a3', 'own-f') }
      expect(
        await store.rotateRefreshToken({ ...again, presentedHash: 'own-r1', refreshToken: refresh('own-r3', 'own-f', 'own-a3') }),
      ).toBe('reused')
      expect(await store.fetchByToken('own-a2')).toBeUndefined()
      expect(await store.fetchByRefreshToken('own-r2')).toBeUndefined()
    })
  })
})
