// Slack end to end over Socket Mode: with SLACK_APP_TOKEN and no signing secret, Steward's Bolt app
// opens a WebSocket from apps.connections.open and answers envelopes in their acknowledgements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks } from '../fakes/slack.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  LEDGER,
  SERVICE_CATALOG,
  sample,
  startStewardSlack,
  type StewardSlack,
} from '../support/steward-slack.js';

describe('Slack over Socket Mode: the real Bolt app through the WebSocket', () => {
  let s: StewardSlack;
  let closed = false;

  beforeAll(async () => {
    s = await startStewardSlack({ mode: 'socket' });
  });
  afterAll(async () => {
    if (!closed) await s?.close();
  });

  it('connects with the app token and serves no HTTP endpoint for Slack', async () => {
    expect(s.fake.calls.map((c) => [c.method, c.token])).toEqual([
      ['auth.test', BOT_TOKEN],
      ['apps.connections.open', APP_TOKEN],
    ]);
    expect(s.fake.socketConnections).toBe(1);
    expect((await fetch(`${s.base}/slack/events`, { method: 'POST', body: 'payload=%7B%7D' })).status).toBe(404);
  });

  it('acks a /service list envelope with the catalog card as the response payload', async () => {
    const ack = await s.fake.socketSlashCommand({ command: '/service', text: 'list', user_id: 'U0ALICE' });
    expect(ack.payload).toEqual(SERVICE_CATALOG);
    expect(validateBlocks(ack.payload?.blocks)).toEqual([]);
    // The reply is in the ack: nothing else went to Slack.
    expect(s.fake.responses).toEqual([]);
    expect(s.fake.calls).toHaveLength(2);
  });

  it('acks a button click at once and posts the card to its response_url', async () => {
    const ack = await s.fake.socketBlockAction({
      action_id: 'steward:2',
      value: 'st1|service.show|ledger',
      user: 'U0BOB',
    });
    expect(ack.payload ?? {}).toEqual({});
    const reply = await s.fake.waitForResponse();
    expect(reply.body).toEqual({ ...LEDGER, replace_original: false });
    const metrics = await s.metrics();
    expect(
      sample(metrics, 'steward_commands_total', { platform: 'slack', command: 'service.list', outcome: 'ok' }),
    ).toBe(1);
    expect(
      sample(metrics, 'steward_interactions_total', { platform: 'slack', action: 'service.show', outcome: 'ok' }),
    ).toBe(1);
  });

  it('/healthz and /readyz answer on the HTTP port', async () => {
    const health = await fetch(`${s.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${s.base}/readyz`)).status).toBe(200);
  });

  it('shuts down cleanly: the WebSocket is closed by the time shutdown resolves, the port is released', async () => {
    await s.running.shutdown('test');
    expect(s.fake.socketConnections).toBe(0);
    await expect(fetch(`${s.base}/healthz`)).rejects.toThrow();
    expect(s.logs.text).toMatch(/"msg":"stopped"/);
    expect(s.logs.text).not.toContain(APP_TOKEN);
    expect(s.logs.text).not.toContain(BOT_TOKEN);
    closed = true;
    await s.fake.close();
    await s.db.drop();
  });
});
