// Slack conformance: payloads captured from Slack (../shared/fixtures/slack, see its SOURCES.md)
// are fed to Steward's real Bolt app over HTTP. Each keeps every real field; only what routes it
// to Steward (command, text, action id and value, user) is rewritten, and it is re-signed with
// Steward's signing secret. Runs only when the fixtures folder exists next to the repository.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest, validateBlocks } from '../fakes/slack.js';
import { LEDGER, SERVICE_CATALOG, startStewardSlack, type StewardSlack } from '../support/steward-slack.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));
const SLACK = join(FIXTURES, 'slack');
const exists = existsSync(SLACK);
if (!exists) console.warn(`Slack fixtures not found at ${SLACK}: the Slack conformance suite does not run`);

const FORM = 'application/x-www-form-urlencoded';
const list = (dir: string, re: RegExp) =>
  exists
    ? readdirSync(join(SLACK, dir))
        .filter((f) => re.test(f))
        .sort()
    : [];
const read = (dir: string, file: string) => readFileSync(join(SLACK, dir, file), 'utf8');

const SLASH = list('slash-commands', /\.form\.txt$/);
const BLOCK_ACTIONS = list('interactivity', /^block_actions\..*\.json$/);
/** Interactions Steward registers no handler for (yet). */
const UNHANDLED = list('interactivity', /^(view_submission|message_action|shortcut)\./);
const URL_VERIFICATION = list('events', /^url_verification.*\.json$/);

/** Sets one field of a raw form body in place, leaving every other byte as captured. */
function setField(body: string, name: string, value: string): string {
  const re = new RegExp(`(^|&)${name}=[^&]*`);
  const pair = `${name}=${encodeURIComponent(value)}`;
  return re.test(body) ? body.replace(re, `$1${pair}`) : `${body}&${pair}`;
}

const field = (body: string, name: string) => new URLSearchParams(body).get(name);

describe.runIf(exists)('Slack conformance: captured Slack payloads through Steward', () => {
  let s: StewardSlack;

  beforeAll(async () => {
    s = await startStewardSlack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finds the captured payloads', () => {
    expect(SLASH.length).toBeGreaterThanOrEqual(4);
    expect(BLOCK_ACTIONS.length).toBeGreaterThanOrEqual(1);
    expect(UNHANDLED.length).toBeGreaterThanOrEqual(1);
    expect(URL_VERIFICATION.length).toBeGreaterThanOrEqual(1);
  });

  it.each(SLASH)('slash command %s, as /service list from alice, is answered with the catalog card', async (file) => {
    const captured = read('slash-commands', file);
    let body = setField(captured, 'command', '/service');
    body = setField(body, 'text', 'list');
    body = setField(body, 'user_id', 'U0ALICE');
    // Every other field is still the captured one.
    const before = new URLSearchParams(captured);
    const after = new URLSearchParams(body);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) if (!['command', 'text', 'user_id'].includes(k)) expect(after.get(k), k).toBe(v);

    const res = await s.sim.post(body, FORM);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(SERVICE_CATALOG);
    expect(validateBlocks(res.json.blocks)).toEqual([]);
  });

  it('the signed capture verifies with its own secret, and replayed as captured it is refused (old timestamp, other secret)', async () => {
    const file = SLASH.find((f) => f.endsWith('.signed.form.txt'));
    expect(file).toBeDefined();
    const meta = JSON.parse(read('slash-commands', file!.replace(/\.form\.txt$/, '.meta.json')));
    const body = read('slash-commands', file!);
    const ts = Number(meta.headers['X-Slack-Request-Timestamp']);
    expect(signSlackRequest(meta.signing_secret, body, ts)['x-slack-signature']).toBe(
      meta.headers['X-Slack-Signature'],
    );

    const replay = await s.sim.post(body, FORM, {
      unsigned: true,
      headers: { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': meta.headers['X-Slack-Signature'] },
    });
    expect(replay.status).toBe(401);
  });

  it.each(BLOCK_ACTIONS)(
    'block action %s on a Steward button posts the Ledger card to the response_url',
    async (file) => {
      const payload = JSON.parse(read('interactivity', file));
      expect(payload.type).toBe('block_actions');
      payload.actions[0].action_id = 'steward:0';
      payload.actions[0].value = 'st1|service.show|ledger';
      payload.user.id = 'U0ALICE';
      // The captured response_url points at hooks.slack.com: answer at the fake instead.
      if (typeof payload.response_url !== 'string' || !payload.response_url.startsWith(s.fake.baseUrl)) {
        payload.response_url = s.fake.newResponseUrl({
          kind: 'message',
          channel: payload.channel?.id,
          user: 'U0ALICE',
          message_ts: payload.container?.message_ts,
        });
      }

      const res = await s.sim.interactive(payload);
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
      const reply = await s.fake.waitForResponse((r) => payload.response_url.endsWith(r.id));
      expect(reply.body).toEqual({ ...LEDGER, replace_original: false });
      expect(validateBlocks(reply.body.blocks)).toEqual([]);
    },
  );

  it('interactions without a Steward handler (view_submission, message_action, shortcut) get Bolt’s 404 after ~3 s; Steward keeps serving', async () => {
    const sent = UNHANDLED.map(async (file) => {
      const raw = read('interactivity', file);
      // .form.txt is the wire body as captured (payload=<url-encoded JSON>); .json is the payload itself.
      const body = file.endsWith('.form.txt')
        ? raw
        : new URLSearchParams({ payload: JSON.stringify(JSON.parse(raw)) }).toString();
      const type = JSON.parse(field(body, 'payload')!).type as string;
      const res = await s.sim.post(body, FORM);
      return { file, type, status: res.status, body: res.body, ms: res.ms };
    });
    // Meanwhile Steward answers commands at once.
    const busy = await s.sim.slashCommand({ command: '/service', text: 'list', user_id: 'U0ALICE' });
    expect(busy.json).toEqual(SERVICE_CATALOG);
    expect(busy.ms).toBeLessThan(1_000);

    const results = await Promise.all(sent);
    expect(new Set(results.map((r) => r.type))).toEqual(new Set(['view_submission', 'message_action', 'shortcut']));
    for (const r of results) {
      expect(r, r.file).toMatchObject({ status: 404, body: '' });
      expect(r.ms, r.file).toBeGreaterThanOrEqual(2_900);
    }
    const unacked = s.logs
      .records()
      .filter((l) => l.source === 'bolt' && /not acknowledged within 3 seconds/.test(l.msg));
    expect(unacked).toHaveLength(results.length);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    expect((await s.sim.slashCommand({ command: '/service', text: 'list', user_id: 'U0ALICE' })).json).toEqual(
      SERVICE_CATALOG,
    );
  });

  it.each(URL_VERIFICATION)('Events API %s: Steward answers the challenge', async (file) => {
    const raw = read('events', file);
    const { challenge } = JSON.parse(raw);
    expect(typeof challenge).toBe('string');
    const res = await s.sim.post(raw, 'application/json');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ challenge });
    // Unsigned, the same request is refused.
    expect((await s.sim.post(raw, 'application/json', { unsigned: true })).status).toBe(401);
  });
});
