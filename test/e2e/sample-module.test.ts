// A module added only from test code (test/support/kudos-module.ts), passed in the module list and
// nowhere else: its command is in /steward help and in the generated Slack and Discord manifests,
// it answers on Slack (real Bolt), Discord (real discord.js) and the console, its form comes back
// with inline errors and keeps the values typed, its buttons work, its outbox effect runs, and its
// per-team calendar job fires once per occurrence across restarts.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSteward } from '../../src/app.js';
import { loadSettings } from '../../src/config/env.js';
import { discordCommandDefinitions } from '../../src/adapters/discord/manifest.js';
import { slackSlashCommands } from '../../src/adapters/slack/manifest.js';
import { formsKernel } from '../../src/core/forms/kernel.js';
import { Registry } from '../../src/core/registry.js';
import { STANDARD_MODULES } from '../../src/modules.js';
import { createSqliteDatabase } from '../support/databases.js';
import { type KudosState, kudosModule, newKudosState } from '../support/kudos-module.js';
import {
  LogCapture,
  ManualClock,
  field,
  settled,
  startStewardSlack,
  type StewardSlack,
} from '../support/steward-slack.js';
import { POLICY_DISCORD, startDiscordSteward, type DiscordSteward } from '../support/steward-discord.js';
import { until } from '../support/wait.js';

type Json = Record<string, any>;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

describe('a module from test code is declared once and composed', () => {
  const registry = new Registry([formsKernel(new Map()), ...STANDARD_MODULES, kudosModule(newKudosState())]);

  it('appears in the generated Discord commands and Slack slash commands', () => {
    const kudos = discordCommandDefinitions(registry).find((c) => c.name === 'kudos');
    expect(kudos).toEqual({
      name: 'kudos',
      description: 'Thank someone for their work',
      type: 1,
      options: [
        {
          type: 1,
          name: 'give',
          description: 'Thank someone',
          options: [
            { type: 6, name: 'user', description: 'Who', required: true },
            { type: 3, name: 'text', description: 'What for', required: true, max_length: 200 },
          ],
        },
        { type: 1, name: 'note', description: 'Write a kudos note' },
      ],
      contexts: [0],
      integration_types: [0],
      dm_permission: false,
    });
    expect(slackSlashCommands(registry)).toContain(
      [
        '    - command: /kudos',
        '      url: https://steward.example.com/slack/events',
        '      description: "Thank someone for their work"',
        '      usage_hint: "give <@user> <text> | note"',
        '      should_escape: true',
      ].join('\n'),
    );
    // The standard manifests do not have it.
    expect(discordCommandDefinitions(new Registry(STANDARD_MODULES)).map((c) => c.name)).not.toContain('kudos');
  });
});

describe('the sample module on Slack (real Bolt, FakeSlack)', () => {
  let s: StewardSlack;
  const state = newKudosState();
  beforeAll(async () => {
    s = await startStewardSlack({ modules: [...STANDARD_MODULES, kudosModule(state)] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('/steward help lists it; /kudos give answers with buttons and the recipient gets a direct message', async () => {
    const help = await s.sim.slashCommand({ command: '/steward', text: 'help', user_id: ALICE });
    expect(help.json.text).toContain('/kudos give &lt;@user&gt; &lt;text&gt;');

    const mark = s.fake.mark;
    const res = await s.sim.slashCommand({ command: '/kudos', text: 'give <@U0BOB|bob> Great deploy', user_id: ALICE });
    expect(res.status).toBe(200);
    expect(res.json.response_type).toBe('in_channel');
    expect(res.json.blocks[0].text.text).toContain('KUDO-1 · kudos to Bob Builder');
    const buttons = res.json.blocks.find((b: Json) => b.type === 'actions').elements;
    expect(buttons.map((b: Json) => [b.text.text, b.value])).toEqual([
      ['Thank again', 'st1|kudos.thank|1'],
      ['Write a note', 'st1|kudos.note'],
    ]);
    await settled(s);
    const dm = await s.fake.waitFor('chat.postMessage', (c) => c.seq >= mark && c.body.channel === BOB);
    expect(dm.body.text).toContain('You got kudos (KUDO-1)');

    const bad = await s.sim.slashCommand({ command: '/kudos', text: 'give', user_id: ALICE });
    expect(bad.json.text).toContain('/kudos give needs a person and a few words.');
  });

  it('its buttons work; its form shows field errors inline and keeps the modal, then saves', async () => {
    const thank = await s.sim.blockAction({ action_id: 'steward:0', value: 'st1|kudos.thank|1', user: ALICE });
    expect(thank.status).toBe(200);
    const reply = await s.fake.waitForResponse((r) => thank.sent.response_url.endsWith(r.id));
    expect(reply.body.text).toContain('Thanks again for KUDO-1');

    const mark = s.fake.mark;
    await s.sim.blockAction({ action_id: 'steward:1', value: 'st1|kudos.note', user: ALICE });
    const open = await s.fake.waitFor('views.open', (c) => c.seq >= mark);
    expect(open.body.view.callback_id).toMatch(/^f1\|kudos\.note\|[A-Za-z0-9_-]{6,32}$/);
    const viewId = open.response.view.id;
    const invalid = await s.sim.viewSubmission({
      view_id: viewId,
      user: ALICE,
      values: { text: field.text('ok'), mood: field.none() },
    });
    expect(invalid.json).toEqual({
      response_action: 'errors',
      errors: { text: 'Use at least 5 characters', mood: 'Choose a mood' },
    });
    expect(state.notes).toEqual([]);
    const saved = await s.sim.viewSubmission({
      view_id: viewId,
      user: ALICE,
      values: { text: field.text('Thanks for the late night'), mood: field.select('proud') },
    });
    expect(saved.body).toBe('');
    await until('the note', () => state.notes.length === 1);
    expect(state.notes).toEqual([{ text: 'Thanks for the late night', mood: 'proud' }]);
  });
});

describe('the sample module on Discord (real discord.js, FakeDiscord)', () => {
  let s: DiscordSteward;
  const state = newKudosState();
  beforeAll(async () => {
    s = await startDiscordSteward({ modules: [...STANDARD_MODULES, kudosModule(state)] });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('/kudos give answers, its button works, and the form reopens after errors with every value', async () => {
    const alice = POLICY_DISCORD.alice;
    const give = await s.send(
      s.fake.chatInput({
        name: 'kudos',
        subcommand: 'give',
        options: { text: 'Fixed the build', user: { type: 6, value: POLICY_DISCORD.bob } },
        user: alice,
      }),
    );
    expect(give.body.data.embeds[0].title).toBe('KUDO-1 · kudos to Bob Builder');
    const ids = give.body.data.components.flatMap((r: Json) => r.components.map((c: Json) => c.custom_id));
    expect(ids).toEqual(['st1|kudos.thank|1', 'st1|kudos.note']);
    expect(state.given).toEqual([{ n: 1, to: 'bob', text: 'Fixed the build' }]);

    const thank = await s.send(s.fake.button({ customId: 'st1|kudos.thank|1', user: alice }));
    expect(thank.body.data.embeds[0].title).toBe('Thanks again for KUDO-1');

    const modal = await s.send(s.fake.button({ customId: 'st1|kudos.note', user: alice }));
    expect(modal.body.type).toBe(9);
    const formId = modal.body.data.custom_id as string;
    const nonce = formId.split('|')[2];
    const errors = await s.send(
      s.fake.modalSubmit({ customId: formId, fields: { text: 'hey', mood: ['proud'] }, user: alice, shape: 'label' }),
    );
    expect(errors.body.data.embeds[0].description).toBe('**Text**: Use at least 5 characters');
    const again = errors.body.data.components[0].components[0];
    expect(again.custom_id).toBe(`st1|form.reopen|kudos.note||${nonce}`);
    const reopened = await s.send(s.fake.button({ customId: again.custom_id, user: alice }));
    expect(reopened.body.type).toBe(9);
    expect(reopened.body.data.custom_id).toBe(formId);
    const [text, mood] = reopened.body.data.components.map((c: Json) => c.component);
    expect(text.value).toBe('hey');
    expect(mood.options.filter((o: Json) => o.default).map((o: Json) => o.value)).toEqual(['proud']);
    const saved = await s.send(
      s.fake.modalSubmit({
        customId: formId,
        fields: { text: 'hey, thanks!', mood: ['proud'] },
        user: alice,
        shape: 'label',
      }),
    );
    expect(saved.body.data.embeds[0].title).toBe('Note saved');
    expect(state.notes).toEqual([{ text: 'hey, thanks!', mood: 'proud' }]);
  });
});

describe('the sample module on the console, and its calendar job across restarts', () => {
  it('answers typed commands, a numbered button and its form asked field by field', async () => {
    const state = newKudosState();
    const db = createSqliteDatabase();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    const running = await startSteward(
      loadSettings({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        STEWARD_CONSOLE: 'on',
        STEWARD_CONSOLE_USER: 'alice',
      }),
      {
        stdin,
        stdout,
        logDestination: new LogCapture(),
        modules: [...STANDARD_MODULES, kudosModule(state)],
      },
    );
    try {
      const type = async (line: string, expectText: string) => {
        stdin.write(`${line}\n`);
        await until(`"${expectText}" after ${line}`, () => out.includes(expectText));
      };
      await type('/steward help', '/kudos give <@user> <text>');
      await type('/kudos give bob Wrote the runbook', 'KUDO-1 · kudos to Bob Builder');
      expect(out).toMatch(/\[1\] Thank again/);
      await type('1', 'Thanks again for KUDO-1');
      await type('/kudos note', 'Note');
      await type('hey', 'Mood');
      await type('2', 'Use at least 5 characters');
      await type('hey, thanks a lot', 'Note saved');
      expect(state.notes).toEqual([{ text: 'hey, thanks a lot', mood: 'proud' }]);
    } finally {
      stdin.end();
      await running.shutdown('test');
      await db.drop();
    }
  });

  it('the per-team digest runs at 09:00 in each team’s time zone once; a restart past an occurrence runs the missed one once, late', async () => {
    const state: KudosState = newKudosState();
    const db = createSqliteDatabase();
    // 2026-12-02 07:59Z: 08:59 in Berlin (platform, 09:00 at 08:00Z); New York (payments) has 09:00 at 14:00Z.
    const clock = new ManualClock(Date.UTC(2026, 11, 2, 7, 59), { realTimers: true });
    const start = () =>
      startSteward(
        loadSettings({
          DATABASE_URL: db.url,
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          STEWARD_CONSOLE: 'off',
        }),
        {
          clock,
          logDestination: new LogCapture(),
          modules: [...STANDARD_MODULES, kudosModule(state)],
        },
      );
    let running = await start();
    try {
      // A fresh database: nothing missed to catch up on.
      expect(state.digests).toEqual([]);
      await clock.advance(60_000);
      await running.calendar.runDue();
      expect(state.digests).toEqual([{ scope: 'platform', occurrence: '2026-12-02T08:00:00.000Z', late: false }]);
      await clock.advance(6 * 3_600_000 - 1);
      await running.calendar.runDue();
      expect(state.digests).toHaveLength(1);
      await clock.advance(1);
      await running.calendar.runDue();
      await running.calendar.runDue();
      expect(state.digests).toEqual([
        { scope: 'platform', occurrence: '2026-12-02T08:00:00.000Z', late: false },
        { scope: 'payments', occurrence: '2026-12-02T14:00:00.000Z', late: false },
      ]);
      await running.shutdown('restart');

      // Down for a day and a half: both teams' 09:00 of 2026-12-03 passed while down.
      await clock.advance(36 * 3_600_000);
      running = await start();
      await until('the missed occurrences', () => state.digests.length === 4);
      expect(state.digests.slice(2).sort((a, b) => a.occurrence.localeCompare(b.occurrence))).toEqual([
        { scope: 'platform', occurrence: '2026-12-03T08:00:00.000Z', late: true },
        { scope: 'payments', occurrence: '2026-12-03T14:00:00.000Z', late: true },
      ]);
      // The runs this process made are counted, marked late (GET /metrics serves this registry).
      const metric = await running.metrics.registry.getSingleMetricAsString('steward_job_runs_total');
      expect(metric).toContain('steward_job_runs_total{job="kudos-digest",outcome="ok",late="yes"} 2');
      expect(metric).not.toContain('late="no"} ');
      await running.shutdown('restart again');
      running = await start();
      await running.calendar.runDue();
      expect(state.digests).toHaveLength(4);
      expect(running.calendar.nextOccurrences().length).toBeGreaterThan(0);
    } finally {
      await running.shutdown('test');
      await db.drop();
    }
  });
});
