import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { FakeSlack, SLACK_USERS, slackEvents } from '../fakes/slack.js';

describe('FakeSlack Socket Mode with a real Bolt app', () => {
  let fake: FakeSlack;
  let app: App;

  beforeEach(async () => {
    fake = await FakeSlack.start();
    app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-1-A0STEWARD-1-test',
      socketMode: true,
      logLevel: LogLevel.ERROR,
      // The SocketModeReceiver's own WebClient (apps.connections.open) inherits these options.
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.error(async () => {});
  });

  afterEach(async () => {
    await app.stop();
    await fake.close();
  });

  it('connects through apps.connections.open and acks a slash command envelope', async () => {
    app.command('/steward', async ({ ack, command, client }) => {
      await ack({ text: `on it: ${command.text}` });
      await client.chat.postMessage({ channel: command.channel_id, text: 'working' });
    });
    await app.start();

    const open = fake.callsOf('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe('xapp-1-A0STEWARD-1-test');
    expect(fake.socketConnections).toBe(1);

    const ack = await fake.socketSlashCommand({ command: '/steward', text: 'status', user_id: SLACK_USERS.bob.id });
    expect(ack.envelope_id).toMatch(/[0-9a-f-]{36}/);
    expect(ack.payload).toEqual({ text: 'on it: status' });
    const post = await fake.waitFor('chat.postMessage');
    expect(post.token).toBe('xoxb-test');
  });

  it('acks interactive and events_api envelopes', async () => {
    const reactions: string[] = [];
    app.action('ack_page', async ({ ack }) => {
      await ack();
    });
    app.event('reaction_added', async ({ event }) => {
      reactions.push(event.reaction);
    });
    await app.start();

    const actionAck = await fake.socketBlockAction({ action_id: 'ack_page', value: 'page-1' });
    expect(actionAck.payload ?? {}).toEqual({});
    const eventAck = await fake.socketEvent(
      slackEvents.reactionAdded({
        user: SLACK_USERS.alice.id,
        reaction: 'white_check_mark',
        channel: 'C0GENERAL',
        ts: '1700000000.000100',
      }),
    );
    expect(eventAck.envelope_id).toBeTruthy();
    await expect.poll(() => reactions).toEqual(['white_check_mark']);
  });
});
