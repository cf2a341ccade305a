import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import {
  FakeSlack,
  SlackClientSim,
  SLACK_GENERAL_CHANNEL,
  SLACK_USERS,
  silentSlackLogger,
  slackEvents,
  signSlackRequest,
} from '../fakes/slack.js';

const SECRET = 'selftest-signing-secret';

describe('FakeSlack + SlackClientSim with a real Bolt app (HTTP receiver)', () => {
  let fake: FakeSlack;
  let app: App;
  let sim: SlackClientSim;

  beforeEach(async () => {
    fake = await FakeSlack.start();
    app = new App({
      token: 'xoxb-test',
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.error(async () => {});
  });

  afterEach(async () => {
    await app.stop();
    await fake.close();
  });

  async function start(): Promise<void> {
    const server = (await app.start(0)) as Server;
    const { port } = server.address() as AddressInfo;
    sim = new SlackClientSim({ url: `http://127.0.0.1:${port}`, signingSecret: SECRET, fake });
  }

  it('acks a signed slash command with blocks, and sees the follow-up API calls and response_url post', async () => {
    app.command('/steward', async ({ ack, command, client, respond }) => {
      await ack({
        response_type: 'ephemeral',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `got *${command.text}*` } }],
      });
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'incident opened',
        blocks: [{ type: 'section', text: { type: 'plain_text', text: 'incident opened' } }],
      });
      await respond({ text: 'done', response_type: 'ephemeral' });
    });
    await start();

    const res = await sim.slashCommand({ command: '/steward', text: 'incident open db down' });
    expect(res.status).toBe(200);
    expect(res.json.blocks[0].text.text).toBe('got *incident open db down*');
    expect(res.sent.response_url).toMatch(new RegExp(`^${fake.baseUrl}/response/`));
    expect(res.sent.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);

    const post = await fake.waitFor('chat.postMessage');
    expect(post.token).toBe('xoxb-test');
    expect(post.body.channel).toBe(SLACK_GENERAL_CHANNEL);
    expect(Array.isArray(post.body.blocks)).toBe(true);
    expect(post.response.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.lastMessage(SLACK_GENERAL_CHANNEL)?.text).toBe('incident opened');

    const reply = await fake.waitForResponse();
    expect(reply.body).toMatchObject({ text: 'done', response_type: 'ephemeral' });
    expect(fake.ephemerals.at(-1)).toMatchObject({ user: SLACK_USERS.alice.id, text: 'done', via: 'response_url' });
    expect(fake.callsOf('auth.test')).toHaveLength(1);
  });

  it('delivers a block action on a stored message; chat.update and replace_original edit it', async () => {
    app.action('ack_page', async ({ ack, body, client, respond }) => {
      await ack();
      if (body.type !== 'block_actions' || !body.message || !body.channel) return;
      await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: `acked by <@${body.user.id}>` });
      await respond({ replace_original: true, text: 'acknowledged' });
    });
    await start();

    const posted = await app.client.chat.postMessage({
      channel: SLACK_USERS.bob.id,
      text: 'You are paged',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'You are paged' } },
        {
          type: 'actions',
          block_id: 'page',
          elements: [
            {
              type: 'button',
              action_id: 'ack_page',
              text: { type: 'plain_text', text: 'Ack' },
              value: 'page-1',
              style: 'primary',
            },
          ],
        },
      ],
    });
    expect(posted.channel).toMatch(/^D/);

    const res = await sim.blockAction({
      action_id: 'ack_page',
      user: SLACK_USERS.bob.id,
      channel: posted.channel!,
      message_ts: posted.ts!,
    });
    expect(res.status).toBe(200);
    expect(res.sent.actions[0]).toMatchObject({
      action_id: 'ack_page',
      block_id: 'page',
      value: 'page-1',
      style: 'primary',
      type: 'button',
    });
    expect(res.sent.container).toMatchObject({ type: 'message', channel_id: posted.channel, message_ts: posted.ts });

    const update = await fake.waitFor('chat.update');
    expect(update.response.ok).toBe(true);
    await fake.waitForResponse((r) => r.body.replace_original === true);
    const msg = fake.message(posted.channel!, posted.ts!);
    expect(msg?.text).toBe('acknowledged');
    expect(msg?.edited).toBeDefined();
  });

  it('delivers a view submission and returns response_action errors to the sender', async () => {
    app.view('declare_incident', async ({ ack, view }) => {
      const title = view.state.values.title?.title_input?.value ?? '';
      if (title.length < 5) {
        await ack({ response_action: 'errors', errors: { title: 'Too short' } });
        return;
      }
      await ack();
    });
    app.command('/declare', async ({ ack, client, body }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'declare_incident',
          private_metadata: 'sev2',
          title: { type: 'plain_text', text: 'Declare incident' },
          submit: { type: 'plain_text', text: 'Declare' },
          blocks: [
            {
              type: 'input',
              block_id: 'title',
              label: { type: 'plain_text', text: 'Title' },
              element: { type: 'plain_text_input', action_id: 'title_input' },
            },
          ],
        },
      });
    });
    await start();

    await sim.slashCommand({ command: '/declare' });
    const opened = await fake.waitFor('views.open');
    const viewId = opened.response.view.id as string;
    expect(viewId).toMatch(/^V/);

    const bad = await sim.viewSubmission({ view_id: viewId, values: { title: { title_input: 'db' } } });
    expect(bad.status).toBe(200);
    expect(bad.json).toEqual({ response_action: 'errors', errors: { title: 'Too short' } });
    expect(bad.sent.view).toMatchObject({ callback_id: 'declare_incident', private_metadata: 'sev2' });

    const good = await sim.viewSubmission({ view_id: viewId, values: { title: { title_input: 'database down' } } });
    expect(good.status).toBe(200);
    expect(good.body).toBe('');
  });

  it('rejects a bad signature and a 6-minute-old timestamp with 401', async () => {
    let ran = 0;
    app.command('/steward', async ({ ack }) => {
      ran++;
      await ack();
    });
    await start();

    expect((await sim.slashCommand({ command: '/steward' }, { wrongSignature: true })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await sim.slashCommand({ command: '/steward' }, { timestamp: stale })).status).toBe(401);
    expect((await sim.slashCommand({ command: '/steward' }, { unsigned: true })).status).toBe(401);
    expect((await sim.slashCommand({ command: '/steward' })).status).toBe(200);
    expect(ran).toBe(1);
  });

  it('delivers Events API callbacks (with retry headers) and answers url_verification', async () => {
    const seen: Array<{ type: string; retryNum?: number }> = [];
    app.event('reaction_added', async ({ event, context }) => {
      seen.push({ type: event.type, retryNum: context.retryNum });
    });
    await start();

    const ch = fake.channel('general')!.id;
    const res = await sim.eventCallback(
      slackEvents.reactionAdded({ user: SLACK_USERS.alice.id, reaction: 'eyes', channel: ch, ts: '1700000000.000100' }),
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(res.status).toBe(200);
    await expect.poll(() => seen).toEqual([{ type: 'reaction_added', retryNum: 1 }]);

    const challenge = await sim.urlVerification('challenge-123');
    expect(challenge.status).toBe(200);
    expect(challenge.json).toEqual({ challenge: 'challenge-123' });
  });
});

describe('FakeSlack Web API behaviour', () => {
  let fake: FakeSlack;
  let app: App;

  beforeEach(async () => {
    fake = await FakeSlack.start();
    app = new App({
      token: 'xoxb-test',
      signingSecret: SECRET,
      logger: silentSlackLogger(),
      deferInitialization: true,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0, factor: 1 } },
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('creates channels, rejects duplicates and invalid names, invites, pins and reacts', async () => {
    const c = app.client;
    const created = await c.conversations.create({ name: 'inc-42-db-down' });
    expect(created.channel?.id).toMatch(/^C/);
    expect(created.channel?.name).toBe('inc-42-db-down');
    await expect(c.conversations.create({ name: 'inc-42-db-down' })).rejects.toMatchObject({
      data: { error: 'name_taken' },
    });
    await expect(c.conversations.create({ name: 'Inc 42!' })).rejects.toMatchObject({
      data: { error: 'invalid_name_specials' },
    });

    const id = created.channel!.id!;
    await c.conversations.invite({ channel: id, users: `${SLACK_USERS.alice.id},${SLACK_USERS.bob.id}` });
    expect([...fake.channel(id)!.members].sort()).toEqual(
      [SLACK_USERS.alice.id, SLACK_USERS.bob.id, fake.bot.userId].sort(),
    );
    await expect(c.conversations.invite({ channel: id, users: SLACK_USERS.alice.id })).rejects.toMatchObject({
      data: { error: 'already_in_channel' },
    });

    const a = await c.chat.postMessage({ channel: id, text: 'one' });
    const b = await c.chat.postMessage({ channel: id, text: 'two' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    await c.pins.add({ channel: id, timestamp: a.ts! });
    await expect(c.pins.add({ channel: id, timestamp: a.ts! })).rejects.toMatchObject({
      data: { error: 'already_pinned' },
    });
    await c.reactions.add({ channel: id, timestamp: a.ts!, name: 'rotating_light' });
    expect(fake.message(id, a.ts!)).toMatchObject({
      pinned_to: [id],
      reactions: [{ name: 'rotating_light', count: 1 }],
    });

    const link = await c.chat.getPermalink({ channel: id, message_ts: a.ts! });
    expect(link.permalink).toContain(`/archives/${id}/p`);
    const info = await c.conversations.info({ channel: id });
    expect(info.channel?.is_member).toBe(true);
    const dm = await c.conversations.open({ users: SLACK_USERS.carol.id });
    expect(dm.channel?.id).toMatch(/^D/);
    const user = await c.users.info({ user: SLACK_USERS.carol.id });
    expect(user.user?.profile?.email).toBe('carol@example.com');
    await expect(c.users.info({ user: 'UNOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    await expect(c.apiCall('does.not.exist')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('validates Block Kit and modal limits like Slack', async () => {
    const c = app.client;
    await expect(
      c.chat.postMessage({
        channel: SLACK_GENERAL_CHANNEL,
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3001) } }],
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    await expect(
      c.views.open({
        trigger_id: '1.2.3',
        view: {
          type: 'modal',
          title: { type: 'plain_text', text: 'A title that is far too long for Slack' },
          blocks: [],
        },
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    await expect(c.chat.postMessage({ channel: 'CNOPE', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('injects failures: API errors for N calls, HTTP 429 with Retry-After', async () => {
    const c = app.client;
    fake.fail('conversations.create', 'missing_scope', { times: 1 });
    await expect(c.conversations.create({ name: 'inc-1' })).rejects.toMatchObject({ data: { error: 'missing_scope' } });
    await expect(c.conversations.create({ name: 'inc-1' })).resolves.toMatchObject({ ok: true });

    fake.fail('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 0 });
    const posted = await c.chat.postMessage({ channel: SLACK_GENERAL_CHANNEL, text: 'after a 429' });
    expect(posted.ok).toBe(true);
    const attempts = fake.callsOf('chat.postMessage');
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);

    fake.fail('chat.postMessage', 'channel_not_found', { match: (b) => b.channel === 'C0GONE' });
    await expect(c.chat.postMessage({ channel: 'C0GONE', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('waitFor resolves on later calls and times out with the calls seen', async () => {
    const mark = fake.mark;
    const pending = fake.waitFor('chat.postMessage', (c) => c.seq >= mark && c.body.text === 'second');
    await app.client.chat.postMessage({ channel: SLACK_GENERAL_CHANNEL, text: 'first' });
    await app.client.chat.postMessage({ channel: SLACK_GENERAL_CHANNEL, text: 'second' });
    expect((await pending).body.text).toBe('second');
    await expect(fake.waitFor('pins.add', undefined, 50)).rejects.toThrow(/pins\.add[\s\S]*chat\.postMessage/);
  });

  it('signSlackRequest signs the v0 basestring with HMAC-SHA256', () => {
    const body = 'command=%2Fsteward&text=status';
    const headers = signSlackRequest('secret-1', body, 1700000000);
    const expected = 'v0=' + createHmac('sha256', 'secret-1').update(`v0:1700000000:${body}`).digest('hex');
    expect(headers).toEqual({ 'x-slack-request-timestamp': '1700000000', 'x-slack-signature': expected });
    expect(signSlackRequest('secret-2', body, 1700000000)['x-slack-signature']).not.toBe(expected);
  });
});
