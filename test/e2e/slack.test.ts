// Slack end to end over HTTP: Steward's real Bolt app, mounted at POST /slack/events on Steward's own
// server, receives signed slash commands and button clicks from the simulated Slack client and
// answers in the acknowledgement or at the response_url of FakeSlack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_GENERAL_CHANNEL, buildSlashCommand, signSlackRequest, validateBlocks } from '../fakes/slack.js';
import {
  BOT_TOKEN,
  SERVICE_CATALOG as CATALOG,
  SIGNING_SECRET,
  button,
  header,
  md,
  sample,
  startStewardSlack,
  total,
  type StewardSlack,
} from '../support/steward-slack.js';

const ALICE = 'U0ALICE';
/** Request ids Steward's HTTP server issues or accepts. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

const PAYMENTS_API = {
  text: 'Payments API: Card and bank payments for the checkout.',
  blocks: [
    header(':warning: Payments API'),
    { type: 'section', text: md('Card and bank payments for the checkout.') },
    {
      type: 'section',
      fields: [
        md('*Team*\nPayments'),
        md('*Tier*\n1 (most critical)'),
        md('*Owners*\n<@U0ALICE>'),
        md('*Escalation path*\n`payments-default` · 2 levels, 15m per pass, repeats 1×'),
        md('*Channels*\n<#C0PAYMENTS>'),
        md('*Runbook*\n<https://runbooks.example.com/payments-api|runbook>'),
        md('*Repository*\n<https://git.example.com/payments/payments-api|git.example.com/payments/payments-api>'),
      ],
    },
    {
      type: 'actions',
      elements: [
        button(0, 'Escalation path', 'st1|service.escalation|payments-api', 'primary'),
        button(1, 'Payments services', 'st1|service.list|payments'),
      ],
    },
    { type: 'context', elements: [md('Service `payments-api` · from the policy')] },
  ],
  response_type: 'ephemeral',
};

const PAYMENTS_ESCALATION = {
  text: 'Escalation path of Payments API: payments-default',
  blocks: [
    header(':information_source: Escalation path of Payments API'),
    { type: 'section', text: md('`payments-default`') },
    {
      type: 'section',
      text: md('*Level 1 · at once*\non call in `payments-primary` (2 in rotation, every 1w) · acknowledge within 5m'),
    },
    { type: 'section', text: md('*Level 2 · after 5m*\n<@U0CAROL>, team Payments · acknowledge within 10m') },
    {
      type: 'section',
      text: md(
        '*Afterwards*\nThen the path repeats 1 more time; if nobody acknowledged, the Payments team channel is told.',
      ),
    },
    { type: 'actions', elements: [button(0, 'Back to service', 'st1|service.show|payments-api')] },
  ],
  response_type: 'ephemeral',
  replace_original: false,
};

const USAGE = 'Usage: /service list [team] · /service show &lt;id&gt;';

/** Every Block Kit text object ({ type: 'plain_text' | 'mrkdwn', text }) anywhere inside `node`. */
function textObjects(node: unknown, out: { type: string; text: string; verbatim?: boolean }[] = []) {
  if (Array.isArray(node)) node.forEach((n) => textObjects(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o as never);
    Object.values(o).forEach((v) => textObjects(v, out));
  }
  return out;
}

/** Every string anywhere inside `node`. */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach((n) => strings(n, out));
  else if (node && typeof node === 'object') Object.values(node).forEach((v) => strings(v, out));
  return out;
}

/** Mass mentions Slack would act on: `<!channel>`-style tokens, or a bare `@here` (not defused). */
const LIVE_MENTION = /<!(channel|here|everyone)\b|@(channel|here|everyone)\b/i;

describe('Slack over HTTP: the real Bolt app on Steward’s server', () => {
  let s: StewardSlack;

  beforeAll(async () => {
    s = await startStewardSlack({ env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('verified the bot token with auth.test at start', () => {
    const auth = s.fake.callsOf('auth.test');
    expect(auth).toHaveLength(1);
    expect(auth[0]!.token).toBe(BOT_TOKEN);
    expect(auth[0]!.response.ok).toBe(true);
  });

  it('/service list answers in the acknowledgement with the ephemeral catalog card', async () => {
    const res = await s.sim.slashCommand({ command: '/service', text: 'list', user_id: ALICE });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual(CATALOG);
    expect(validateBlocks(res.json.blocks)).toEqual([]);
    const mrkdwn = textObjects(res.json.blocks).filter((t) => t.type === 'mrkdwn');
    expect(mrkdwn).toHaveLength(4);
    for (const t of mrkdwn) expect(t.verbatim).toBe(true);
    // The reply travels in the ack only: no Web API call, no response_url post.
    expect(s.fake.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(s.fake.responses.filter((r) => res.sent.response_url!.endsWith(r.id))).toEqual([]);
  });

  it('/service show payments-api lists team, tier, owners, escalation path, channels and runbook, with two buttons', async () => {
    const res = await s.sim.slashCommand({ command: '/service', text: 'show payments-api', user_id: ALICE });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(PAYMENTS_API);
    expect(validateBlocks(res.json.blocks)).toEqual([]);
    for (const t of textObjects(res.json.blocks).filter((t) => t.type === 'mrkdwn')) expect(t.verbatim).toBe(true);
  });

  it('/service show nope is a SERVICE.NOT_FOUND card; /service frobnicate is COMMAND.INVALID with the usage', async () => {
    const missing = await s.sim.slashCommand({ command: '/service', text: 'show nope', user_id: ALICE });
    expect(missing.status).toBe(200);
    expect(missing.json).toEqual({
      text: 'There is no service "nope".: See /service list.',
      blocks: [
        header(':rotating_light: There is no service "nope".'),
        { type: 'section', text: md('See /service list.') },
        { type: 'context', elements: [md('`SERVICE.NOT_FOUND`')] },
      ],
      response_type: 'ephemeral',
    });

    const invalid = await s.sim.slashCommand({ command: '/service', text: 'frobnicate', user_id: ALICE });
    expect(invalid.status).toBe(200);
    expect(invalid.json).toEqual({
      text: `/service has no subcommand "frobnicate".: ${USAGE}`,
      blocks: [
        header(':rotating_light: /service has no subcommand "frobnicate".'),
        { type: 'section', text: md(USAGE) },
        { type: 'context', elements: [md('`COMMAND.INVALID`')] },
      ],
      response_type: 'ephemeral',
    });
    expect(validateBlocks(missing.json.blocks)).toEqual([]);
    expect(validateBlocks(invalid.json.blocks)).toEqual([]);
  });

  it('a click on a button of a previous reply answers at the response_url, as a new ephemeral message', async () => {
    const shown = await s.sim.slashCommand({ command: '/service', text: 'show payments-api', user_id: ALICE });
    const actions = shown.json.blocks.find((b: { type: string }) => b.type === 'actions');
    const escalation = actions.elements.find((e: { text: { text: string } }) => e.text.text === 'Escalation path');
    expect(escalation).toMatchObject({ action_id: 'steward:0', value: 'st1|service.escalation|payments-api' });

    const click = await s.sim.blockAction({
      action_id: escalation.action_id,
      user: ALICE,
      channel: SLACK_GENERAL_CHANNEL,
      is_ephemeral: true,
      message: { type: 'message', ts: '1700000000.000100', text: shown.json.text, blocks: shown.json.blocks },
    });
    expect(click.status).toBe(200);
    expect(click.body).toBe('');
    expect(click.sent.actions[0]).toMatchObject({
      action_id: 'steward:0',
      value: 'st1|service.escalation|payments-api',
      style: 'primary',
    });

    const reply = await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    expect(reply.body).toEqual(PAYMENTS_ESCALATION);
    expect(validateBlocks(reply.body.blocks)).toEqual([]);
    expect(s.fake.ephemerals.at(-1)).toMatchObject({
      channel: SLACK_GENERAL_CHANNEL,
      user: ALICE,
      via: 'response_url',
      text: PAYMENTS_ESCALATION.text,
    });
  });

  it('a forged button value is answered with a clear “no longer understood” card, and Steward keeps serving', async () => {
    const click = await s.sim.blockAction({ action_id: 'steward:0', value: 'st1|service.delete|x', user: ALICE });
    expect(click.status).toBe(200);
    const reply = await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    expect(reply.body).toEqual({
      text: 'This button is no longer understood by Steward.: unknown action "service.delete"',
      blocks: [
        header(':rotating_light: This button is no longer understood by Steward.'),
        { type: 'section', text: md('unknown action "service.delete"') },
        { type: 'context', elements: [md('`ACTION.EXPIRED`')] },
      ],
      response_type: 'ephemeral',
      replace_original: false,
    });

    const after = await s.sim.slashCommand({ command: '/service', text: 'list', user_id: ALICE });
    expect(after.json).toEqual(CATALOG);
  });

  it('/steward help from a user outside the policy says so, and records the user once', async () => {
    const first = await s.sim.slashCommand({
      command: '/steward',
      text: 'help',
      user_id: 'U0NOBODY',
      user_name: 'nobody',
    });
    expect(first.status).toBe(200);
    expect(first.json.blocks.slice(0, 3)).toEqual([
      header(':warning: You are not in the policy yet'),
      {
        type: 'section',
        text: md(
          'Steward knows you only as slack user `U0NOBODY`: you may use read-only commands. To act (declare, approve, acknowledge), ask an administrator to add your slack id to `people` in the policy.',
        ),
      },
      { type: 'divider' },
    ]);
    expect(first.json.blocks[3]).toEqual(header(':information_source: What Steward can do here'));
    expect(validateBlocks(first.json.blocks)).toEqual([]);

    expect(
      s.query(
        "select platform, platform_user_id, display_name, person_id from seen_user where platform_user_id = 'U0NOBODY'",
      ),
    ).toEqual([{ platform: 'slack', platform_user_id: 'U0NOBODY', display_name: 'nobody', person_id: null }]);
    const audit = () =>
      s.query<{
        action: string;
        subject: string;
        actor_platform: string;
        actor_user_id: string;
        actor_person_id: string | null;
        after: string;
      }>(
        "select action, subject, actor_platform, actor_user_id, actor_person_id, after from audit_entry where subject = 'identity:slack:U0NOBODY'",
      );
    const entries = audit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'identity.first_seen',
      actor_platform: 'slack',
      actor_user_id: 'U0NOBODY',
      actor_person_id: null,
    });
    expect(JSON.parse(entries[0]!.after)).toEqual({ personId: null, displayName: 'nobody' });

    const second = await s.sim.slashCommand({
      command: '/service',
      text: 'list',
      user_id: 'U0NOBODY',
      user_name: 'nobody',
    });
    expect(second.json).toEqual(CATALOG);
    expect(audit()).toHaveLength(1);
    expect(s.query("select count(*) as n from seen_user where platform_user_id = 'U0NOBODY'")).toEqual([{ n: 1 }]);
  });

  it('refuses a wrong signature, a 6-minute-old timestamp and an unsigned request with 401, before the core', async () => {
    const before = await s.metrics();
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const forged = { command: '/service', text: 'list', user_id: 'U0FORGED' };
    for (const send of [{ wrongSignature: true }, { timestamp: stale }, { unsigned: true }]) {
      const res = await s.sim.slashCommand(forged, send);
      expect(res.status, JSON.stringify(send)).toBe(401);
      expect(res.body).toBe('');
    }
    // A correct signature over a different body is refused too.
    const body = new URLSearchParams(buildSlashCommand(forged, s.fake.payloadContext())).toString();
    const signedOther = await s.sim.post(body, 'application/x-www-form-urlencoded', {
      signature: signSlackRequest(SIGNING_SECRET, `${body}&x=1`)['x-slack-signature'],
    });
    expect(signedOther.status).toBe(401);
    // A timestamp more than 5 minutes ahead is refused too (Bolt checks only the past), and counted.
    const future = await s.sim.slashCommand(forged, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    expect(future.body).toBe('');

    const after = await s.metrics();
    expect(sample(after, 'steward_requests_dropped_total', { platform: 'slack', reason: 'future_timestamp' })).toBe(1);
    expect(total(after, 'steward_commands_total')).toBe(total(before, 'steward_commands_total'));
    expect(s.query("select * from seen_user where platform_user_id = 'U0FORGED'")).toEqual([]);

    // The same request, properly signed, does reach the core.
    const ok = await s.sim.slashCommand(forged);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual(CATALOG);
    expect(total(await s.metrics(), 'steward_commands_total')).toBe(total(before, 'steward_commands_total') + 1);
  });

  it('/metrics counts Slack commands by command and outcome, and clicks by action', async () => {
    const before = await s.metrics();
    await s.sim.slashCommand({ command: '/service', text: 'list', user_id: ALICE });
    await s.sim.slashCommand({ command: '/service', text: 'list', user_id: ALICE });
    await s.sim.slashCommand({ command: '/service', text: 'show nope', user_id: ALICE });
    const click = await s.sim.blockAction({
      action_id: 'steward:1',
      value: 'st1|service.escalation|edge-gateway',
      user: ALICE,
    });
    await s.fake.waitForResponse((r) => click.sent.response_url.endsWith(r.id));
    const after = await s.metrics();

    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('steward_commands_total', { platform: 'slack', command: 'service.list', outcome: 'ok' })).toBe(2);
    expect(
      delta('steward_commands_total', { platform: 'slack', command: 'service.show', outcome: 'SERVICE.NOT_FOUND' }),
    ).toBe(1);
    expect(delta('steward_commands_total', { platform: 'slack', command: 'service.show', outcome: 'ok' })).toBe(0);
    expect(
      delta('steward_interactions_total', { platform: 'slack', action: 'service.escalation', outcome: 'ok' }),
    ).toBe(1);
    expect(total(after, 'steward_commands_total') - total(before, 'steward_commands_total')).toBe(3);
    expect(total(after, 'steward_interactions_total') - total(before, 'steward_interactions_total')).toBe(1);
    // Series from the earlier tests of this file are there with their outcomes.
    expect(
      sample(after, 'steward_commands_total', { platform: 'slack', command: '/service', outcome: 'COMMAND.INVALID' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'steward_interactions_total', { platform: 'slack', action: 'unknown', outcome: 'ACTION.EXPIRED' }),
    ).toBe(1);
    expect(
      sample(after, 'steward_request_duration_seconds_count', { platform: 'slack', kind: 'interaction' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('never lets user text mention @channel, @here or @everyone', async () => {
    for (const text of [
      'show <!channel>',
      'list <!here>',
      'show @everyone',
      '@here',
      'show <!here|here>',
      'list @channel please',
    ]) {
      const res = await s.sim.slashCommand({ command: '/service', text, user_id: ALICE });
      expect(res.status, text).toBe(200);
      expect(res.json.blocks.at(-1), text).toEqual({ type: 'context', elements: [md('`COMMAND.INVALID`')] });
      for (const str of [res.json.text, ...strings(res.json.blocks)])
        expect(str, `${text} → ${str}`).not.toMatch(LIVE_MENTION);
    }
    // Echoed text keeps its meaning to the reader: the mention is defused with a zero-width space, not dropped.
    const echoed = await s.sim.slashCommand({ command: '/service', text: '@here', user_id: ALICE });
    expect(echoed.json.blocks[0]).toEqual(header(':rotating_light: /service has no subcommand "@\u200bhere".'));
  });

  it('never lets a <!everyone> token echoed into an error title reach a header block', async () => {
    const res = await s.sim.slashCommand({ command: '/service', text: '<!everyone>', user_id: ALICE });
    expect(res.status).toBe(200);
    for (const str of [res.json.text, ...strings(res.json.blocks)]) expect(str).not.toMatch(LIVE_MENTION);
    expect(res.json.blocks[0].text.text).toContain('‹!everyone›');
  });

  it('answers a Slack redelivery (x-slack-retry-num) of the same command the same way, and records the user once', async () => {
    const body = new URLSearchParams(
      buildSlashCommand(
        { command: '/service', text: 'list', user_id: 'U0RETRY', user_name: 'retry' },
        s.fake.payloadContext(),
      ),
    ).toString();
    const first = await s.sim.post(body, 'application/x-www-form-urlencoded');
    const again = await s.sim.post(body, 'application/x-www-form-urlencoded', {
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(first.json).toEqual(CATALOG);
    expect(again.json).toEqual(CATALOG);
    expect(s.query("select action from audit_entry where subject = 'identity:slack:U0RETRY'")).toEqual([
      { action: 'identity.first_seen' },
    ]);
    expect(s.query("select count(*) as n from seen_user where platform_user_id = 'U0RETRY'")).toEqual([{ n: 1 }]);
  });

  it('logs JSON lines, with the request id on every request log, and never a token or the signing secret (LOG_LEVEL trace)', async () => {
    const traced = await s.sim.slashCommand(
      { command: '/service', text: 'show ledger', user_id: ALICE },
      { headers: { 'x-request-id': 'slack-e2e-req-0001' } },
    );
    expect(traced.status).toBe(200);
    expect(traced.headers['x-request-id']).toBe('slack-e2e-req-0001');
    const plain = await s.sim.slashCommand({ command: '/steward', text: 'help', user_id: ALICE });
    expect(plain.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(plain.headers['x-request-id']).not.toBe('slack-e2e-req-0001');

    const records = s.logs.records(); // throws on a line that is not JSON
    expect(records.length).toBeGreaterThan(20);
    expect(records.some((r) => r.level <= 20 && r.source === 'bolt')).toBe(true); // trace/debug output is on
    const requests = records.filter((r) => r.kind === 'command' || r.kind === 'interaction');
    expect(requests.length).toBeGreaterThanOrEqual(15);
    for (const r of requests) {
      expect(r.requestId, JSON.stringify(r)).toMatch(REQUEST_ID);
      expect(r).toMatchObject({ platform: 'slack', service: 'steward' });
    }
    // One id per HTTP request (a redelivery is a new request).
    expect(new Set(requests.map((r) => r.requestId)).size).toBe(requests.length);
    expect(requests.find((r) => r.requestId === 'slack-e2e-req-0001')).toMatchObject({
      kind: 'command',
      label: 'service.show',
      outcome: 'ok',
      user: ALICE,
    });
    expect(requests.find((r) => r.requestId === plain.headers['x-request-id'])).toMatchObject({
      kind: 'command',
      label: 'steward.help',
    });

    expect(s.logs.text).not.toContain(BOT_TOKEN);
    expect(s.logs.text).not.toContain(SIGNING_SECRET);
    expect(s.logs.text).not.toMatch(/xox[abposr]-\d/);
  });

  it('leaves what is not Steward’s alone: another app’s button, modal and command reach no handler and are not acknowledged', async () => {
    const before = await s.metrics();
    const logged = s.logs.records().length;
    const [click, submit, command] = await Promise.all([
      s.sim.blockAction({ action_id: 'deploy-bot:approve', value: 'st1|service.list|payments', user: ALICE }),
      s.sim.viewSubmission({ callback_id: 'deploy-bot|form', user: ALICE, values: {} }),
      s.sim.slashCommand({ command: '/deploy', text: 'payments-api', user_id: ALICE }),
    ]);
    // Bolt answers what no handler acknowledged after 3 s with 404 and logs it.
    expect([click.status, submit.status, command.status]).toEqual([404, 404, 404]);
    expect(
      s.logs
        .records()
        .slice(logged)
        .filter((r) => r.msg?.includes('not acknowledged')),
    ).toHaveLength(3);
    const after = await s.metrics();
    expect(total(after, 'steward_commands_total')).toBe(total(before, 'steward_commands_total'));
    expect(total(after, 'steward_interactions_total')).toBe(total(before, 'steward_interactions_total'));
    expect(s.fake.responses.filter((r) => click.sent.response_url.endsWith(r.id))).toEqual([]);
    // Steward's own command still answers.
    expect((await s.sim.slashCommand({ command: '/service', text: 'list', user_id: ALICE })).json).toEqual(CATALOG);
  }, 10_000);
});
