// A PostgreSQL driver adapter factory for the schema engine (migrations and diffs only; the
// runtime client uses the plain PrismaPg adapter). It wraps @prisma/adapter-pg and fixes what
// its migration path gets wrong:
//  - result columns of type "char" (OID 18, e.g. pg_constraint.contype, read by the engine's
//    schema describer) cannot be deserialized: they are reported as text instead;
//  - executeScript splits scripts on ';', which breaks string literals and $$ bodies: the whole
//    script is sent as one simple-protocol query (PostgreSQL runs it as one implicit transaction);
//  - the shadow database must be a fresh database per use, dropped only after its pool is closed
//    (WITH (FORCE), so a stray connection cannot keep it alive);
//  - the engine does not dispose the adapters it opened, and its connection keeps the migration
//    advisory lock: close() disposes everything this factory opened.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { withDatabase } from '../dialect.js';

const CHAR_OID = 18;
const TEXT_OID = 25;

function charAsText<R>(result: R): R {
  for (const r of (Array.isArray(result) ? result : [result]) as Array<
    { fields?: Array<{ dataTypeID: number }> } | undefined
  >) {
    for (const f of r?.fields ?? []) if (f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
  }
  return result;
}

type Callback = (err: Error | null, res?: unknown) => void;

/** pg.Client whose results report "char" columns as text. */
export class CharAsTextClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg.Client.query has a dozen overloads; this passes them all through
  override query(...args: any[]): any {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as Callback;
      args[last] = (err: Error | null, res?: unknown) => cb(err, err ? res : charAsText(res));
      return super.query.apply(this, args as never);
    }
    const r: unknown = super.query.apply(this, args as never);
    return r && typeof (r as Promise<unknown>).then === 'function' ? (r as Promise<unknown>).then(charAsText) : r;
  }
}

/** Runs one statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

type AdapterInternals = SqlDriverAdapter & { underlyingDriver(): pg.Pool; onError(e: unknown): never };

function wholeScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const a = adapter as AdapterInternals;
  a.executeScript = async (script: string) => {
    try {
      await a.underlyingDriver().query(script);
    } catch (e) {
      a.onError(e);
    }
  };
  return adapter;
}

export class PgMigrateAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  readonly #url: string;
  readonly #open = new Set<() => Promise<void>>();

  constructor(url: string) {
    this.#url = url;
  }

  #pgConfig(url: string): pg.PoolConfig {
    return { connectionString: url, Client: CharAsTextClient };
  }

  /** Wraps adapter.dispose so it runs once, then `after`; remembers it for close(). */
  #track(adapter: SqlDriverAdapter, after?: () => Promise<void>): SqlDriverAdapter {
    const dispose = adapter.dispose.bind(adapter);
    let done: Promise<void> | undefined;
    const once = () => {
      done ??= (async () => {
        this.#open.delete(once);
        try {
          await dispose();
        } finally {
          await after?.();
        }
      })();
      return done;
    };
    adapter.dispose = once;
    this.#open.add(once);
    return adapter;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg(this.#pgConfig(this.#url)).connect();
    return this.#track(wholeScript(adapter));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await adminQuery(this.#url, `CREATE DATABASE ${quoteIdent(database)}`);
    const drop = () => adminQuery(this.#url, `DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    try {
      const adapter = await new PrismaPg(this.#pgConfig(withDatabase(this.#url, database))).connect();
      return this.#track(wholeScript(adapter), drop);
    } catch (err) {
      await drop();
      throw err;
    }
  }

  /** Disposes every adapter still open (releasing the engine's advisory lock) and drops shadows. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const dispose of [...this.#open]) {
      try {
        await dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }
}
