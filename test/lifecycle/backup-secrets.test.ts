// What a backup must not carry: the environment's secrets. Steward runs with an audit key and an
// API token (a scanner report is posted with it); the backup, decrypted with age-encryption itself,
// holds the token's id and the entries' MACs but neither the token nor the key. A secret that did
// reach the data (pasted into a record) refuses the backup, naming the table and the variable,
// and leaves no file behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Decrypter } from 'age-encryption';
import { expect, it } from 'vitest';
import { startSteward } from '../../src/app.js';
import { loadSettings, namedSecretsOf } from '../../src/config/env.js';
import { writeBackup } from '../../src/store/backup/backup.js';
import { openStore } from '../../src/store/index.js';
import { keyPair } from '../support/backups.js';
import { generatedVulns, trivyReport } from '../support/reports.js';

const silent = new Writable({ write: (_c, _e, cb) => cb() });

it(
  'a backup holds none of the environment secrets; a secret in the data refuses the backup',
  { timeout: 60_000 },
  async () => {
    const key = await keyPair();
    const dir = mkdtempSync(path.join(tmpdir(), 'steward-secrets-'));
    const token = `stw_${randomBytes(32).toString('base64url')}`;
    const auditKey = randomBytes(32).toString('base64');
    const policy = readFileSync(new URL('../fixtures/lifecycle.policy.yaml', import.meta.url), 'utf8').replaceAll(
      '{{sha:ci-steward}}',
      createHash('sha256').update(token).digest('hex'),
    );
    writeFileSync(path.join(dir, 'policy.yaml'), policy);
    const settings = loadSettings({
      DATABASE_URL: `file:${path.join(dir, 'steward.db')}`,
      STEWARD_CONFIG: path.join(dir, 'policy.yaml'),
      STEWARD_CONSOLE: 'off',
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      STEWARD_AUDIT_KEY: auditKey,
      STEWARD_API_TOKEN: token,
      STEWARD_BACKUP_RECIPIENTS: key.recipient,
    });
    const running = await startSteward(settings, { logDestination: silent });
    try {
      const res = await fetch(`http://127.0.0.1:${running.port}/api/v1/findings?service=steward`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: trivyReport(generatedVulns(5)),
      });
      expect(res.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${running.port}/metrics`)).text();
      expect(metrics).toMatch(/^steward_backup_last_success_timestamp_seconds 0$/m);
    } finally {
      await running.shutdown('test');
    }

    const file = path.join(key.dir, 'secrets.age');
    const secrets = namedSecretsOf(settings);
    expect(secrets.map((s) => s.name)).toEqual(['STEWARD_API_TOKEN', 'STEWARD_AUDIT_KEY']);
    await writeBackup({
      url: settings.databaseUrl,
      out: file,
      recipients: [key.recipient],
      secrets,
      now: new Date(),
      steward: 'test',
    });
    const d = new Decrypter();
    d.addIdentity(key.identity);
    const plain = await d.decrypt(readFileSync(file), 'text');
    expect(plain).toContain('"api:ci-steward"');
    expect(plain).toMatch(/"[0-9a-f]{64}","[0-9a-f]{64}"\]/); // hash and MAC of an audit entry
    expect(plain.includes(token)).toBe(false);
    expect(plain.includes(auditKey)).toBe(false);
    expect(plain.includes(JSON.stringify(auditKey).slice(1, -1))).toBe(false);

    // Someone pasted the token into a record: the backup is refused and nothing is written.
    const store = await openStore({ url: settings.databaseUrl });
    await store.transaction((tx) => tx.settings.set('note', `token was ${token} oops`, new Date()));
    await store.close();
    const out = path.join(key.dir, 'refused.age');
    await expect(
      writeBackup({
        url: settings.databaseUrl,
        out,
        recipients: [key.recipient],
        secrets,
        now: new Date(),
        steward: 'test',
      }),
    ).rejects.toThrow(
      'backup refused: table setting holds the value of STEWARD_API_TOKEN; remove it from the data (and replace the secret) first',
    );
    expect(readdirSync(key.dir).filter((f) => f.includes('refused'))).toEqual([]);
  },
);
