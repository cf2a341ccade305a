// Creates the Prisma client for a database URL. Only the generated client of the URL's dialect
// is loaded. App code is typed against the SQLite client (the surface both dialects share).
import type { Prisma, PrismaClient } from './generated/sqlite/client.js';
import { dialectOf, prepareSqliteFile, type Dialect } from './dialect.js';

export type Db = PrismaClient;
/** The client handed to an interactive transaction callback. */
export type TxClient = Prisma.TransactionClient;
/** Either the root client or a transaction client: what repositories query through. */
export type Queryable = Db | TxClient;

type ClientOptions = ConstructorParameters<typeof import('./generated/sqlite/client.js').PrismaClient>[0];
type ClientClass = new (options: ClientOptions) => Db;

/** Interactive transactions queue for a connection and may wait on row locks. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };
/** How long a SQLite writer waits for another process's write lock (busy timeout). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export async function createClient(url: string): Promise<{ db: Db; dialect: Dialect }> {
  const dialect = dialectOf(url);
  if (dialect === 'sqlite') {
    const file = prepareSqliteFile(url);
    const [{ PrismaClient: Client }, { PrismaBetterSqlite3 }] = await Promise.all([
      import('./generated/sqlite/client.js'),
      import('@prisma/adapter-better-sqlite3'),
    ]);
    const db: Db = new Client({
      adapter: new PrismaBetterSqlite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS }),
      transactionOptions: TRANSACTION_OPTIONS,
    });
    if (file !== ':memory:') {
      // WAL lets readers run while a writer commits; the mode is stored in the database file.
      await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
      await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    }
    return { db, dialect };
  }
  const [{ PrismaClient: Client }, { PrismaPg }] = await Promise.all([
    import('./generated/postgresql/client.js'),
    import('@prisma/adapter-pg'),
  ]);
  const PgClient = Client as unknown as ClientClass;
  const db = new PgClient({
    adapter: new PrismaPg({ connectionString: url }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  return { db, dialect };
}
