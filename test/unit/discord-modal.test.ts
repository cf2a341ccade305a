// Steward's forms as Discord modals: every field inside a Label component (text inputs, string
// selects for choices and yes/no), the real incident forms, values typed before an error shown
// again as defaults, Discord's limits, and MODAL_SUBMIT interactions read back into field values
// by the real interaction handler (discord.js parses the payload; its REST calls go to a local server).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, ModalSubmitInteraction } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Form, FormField, Reply } from '../../src/core/card.js';
import { Directory } from '../../src/core/directory.js';
import type { Invocation } from '../../src/core/context.js';
import { declareForm, resolveForm, roleForm, severityForm, statusForm } from '../../src/core/incidents/forms.js';
import type { Incident } from '../../src/core/incidents/model.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import type { Dispatcher } from '../../src/adapters/shared/dispatch.js';
import { standardRegistry } from '../../src/adapters/shared/parse.js';
import { createInteractionHandler } from '../../src/adapters/discord/interactions.js';
import { ActionCodec } from '../../src/render/action-codec.js';
import { DiscordRenderer } from '../../src/render/discord/message.js';
import { type DiscordLabel, type DiscordSelectOption, MODAL, renderModal } from '../../src/render/discord/modal.js';
import { decodeForm } from '../../src/render/form-codec.js';
import { DISCORD, LimitError, TRUNCATION_MARK } from '../../src/render/limits.js';

const loaded = loadPolicyFile(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname);
const dir = new Directory(loaded.policy, loaded.sha256);
const strict = { strict: true };

function lenient() {
  const cut: string[] = [];
  return {
    cut,
    policy: { strict: false, onTruncate: (platform: string, limit: string) => cut.push(`${platform}:${limit}`) },
  };
}

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 1,
  number: 7,
  declareKey: 'k',
  title: 'Database down',
  severity: 'SEV2',
  status: 'investigating',
  serviceId: 'payments-api',
  summary: '',
  declaredBy: 'alice',
  declaredPlatform: 'discord',
  declaredUserId: '111111111111111111',
  declaredChannel: '222222222222222229',
  pageOncall: false,
  declaredAt: new Date('2026-03-08T06:30:00.000Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  resolution: null,
  postmortem: null,
  roles: {},
  warRoom: {
    platform: 'discord',
    channelId: '333333333333333333',
    name: 'inc-7-database-down',
    state: 'ready',
    error: null,
  },
  version: 1,
  updatedAt: new Date('2026-03-08T06:30:00.000Z'),
  ...over,
});

const everyKind = (fields: Partial<Record<string, Partial<FormField>>> = {}): Form => ({
  target: { kind: 'incident.declare', nonce: 'nonce-123' },
  title: 'Every kind',
  submitLabel: 'Send',
  fields: [
    { id: 'name', label: 'Name', kind: 'text', required: true, maxLength: 40, ...fields.name },
    { id: 'notes', label: 'Notes', kind: 'paragraph', ...fields.notes },
    {
      id: 'colour',
      label: 'Colour',
      kind: 'select',
      required: true,
      options: [
        { value: 'red', label: 'Red', description: 'warm' },
        { value: 'blue', label: 'Blue' },
      ],
      ...fields.colour,
    },
    {
      id: 'urgent',
      label: 'Urgent?',
      kind: 'boolean',
      options: [{ value: 'yes', label: 'Yes, it is urgent' }],
      ...fields.urgent,
    },
  ],
});

const refill = (form: Form, typed: Record<string, string>): Form => ({
  ...form,
  fields: form.fields.map((f) => (typed[f.id] === undefined ? f : { ...f, initial: typed[f.id] })),
});
const components = (form: Form, policy: { strict: boolean } = strict) => renderModal(form, policy).components;
/** The value each select starts with: its `default` options. */
const defaults = (l: DiscordLabel) =>
  l.component.type === 3 ? l.component.options.filter((o) => o.default).map((o) => o.value) : [];

describe('Discord modal: field kinds', () => {
  it('renders custom_id (the encoded form target), title and one Label per field', () => {
    const m = renderModal(everyKind(), strict);
    expect(m.custom_id).toBe('f1|incident.declare|nonce-123');
    expect(decodeForm(m.custom_id)).toEqual({ ok: true, target: { kind: 'incident.declare', nonce: 'nonce-123' } });
    expect(m.title).toBe('Every kind');
    expect(m.components.map((c) => [c.type, c.label, c.component.type, c.component.custom_id])).toEqual([
      [18, 'Name', 4, 'name'],
      [18, 'Notes', 4, 'notes'],
      [18, 'Colour', 3, 'colour'],
      [18, 'Urgent?', 3, 'urgent'],
    ]);
  });

  it('text and paragraph: text inputs, short (1) and paragraph (2), max_length capped at 4000', () => {
    const [name, notes] = components(everyKind());
    expect(name).toEqual({
      type: 18,
      label: 'Name',
      component: { type: 4, custom_id: 'name', style: 1, required: true, max_length: 40 },
    });
    expect(notes).toEqual({
      type: 18,
      label: 'Notes',
      component: { type: 4, custom_id: 'notes', style: 2, required: false, max_length: MODAL.TEXT_INPUT_LENGTH },
    });
    expect(components(everyKind({ notes: { maxLength: 9000, placeholder: 'Tell us' } }))[1]!.component).toEqual({
      type: 4,
      custom_id: 'notes',
      style: 2,
      required: false,
      max_length: 4000,
      placeholder: 'Tell us',
    });
  });

  it('select: a string select choosing exactly one (none allowed when optional), nothing preselected', () => {
    const [, , colour] = components(everyKind());
    expect(colour).toEqual({
      type: 18,
      label: 'Colour',
      component: {
        type: 3,
        custom_id: 'colour',
        required: true,
        min_values: 1,
        max_values: 1,
        options: [
          { label: 'Red', value: 'red', description: 'warm' },
          { label: 'Blue', value: 'blue' },
        ],
      },
    });
    expect(components(everyKind({ colour: { required: false } }))[2]!.component).toMatchObject({
      required: false,
      min_values: 0,
      max_values: 1,
    });
  });

  it('boolean: a Yes/No select, No preselected, the option text kept as the description of Yes', () => {
    const [, , , urgent] = components(everyKind());
    expect(urgent).toEqual({
      type: 18,
      label: 'Urgent?',
      component: {
        type: 3,
        custom_id: 'urgent',
        required: false,
        min_values: 0,
        max_values: 1,
        options: [
          { label: 'Yes', value: 'yes', description: 'Yes, it is urgent' },
          { label: 'No', value: 'no', default: true },
        ],
      },
    });
  });

  it('values typed before an error are shown again, for every field kind', () => {
    const typed = { name: 'Bea', notes: 'line one\n  line two', colour: 'blue', urgent: 'yes' };
    const [name, notes, colour, urgent] = components(refill(everyKind(), typed));
    expect(name!.component).toMatchObject({ type: 4, value: 'Bea' });
    expect(notes!.component).toMatchObject({ type: 4, value: 'line one\n  line two' });
    expect(defaults(colour!)).toEqual(['blue']);
    expect((colour!.component as { options: DiscordSelectOption[] }).options).toEqual([
      { label: 'Red', value: 'red', description: 'warm' },
      { label: 'Blue', value: 'blue', default: true },
    ]);
    expect(defaults(urgent!)).toEqual(['yes']);
    // "No" typed, or a true from elsewhere.
    expect(defaults(components(refill(everyKind(), { urgent: 'no' }))[3]!)).toEqual(['no']);
    expect(defaults(components(refill(everyKind(), { urgent: 'true' }))[3]!)).toEqual(['yes']);
    // Nothing typed: empty inputs, no choice.
    const empty = components(everyKind());
    expect([empty[0]!.component, empty[1]!.component].map((c) => 'value' in c)).toEqual([false, false]);
    expect(defaults(empty[2]!)).toEqual([]);
    // A choice that is not an option preselects nothing.
    expect(defaults(components(refill(everyKind(), { colour: 'green' }))[2]!)).toEqual([]);
  });

  it('an initial text longer than the input allows is cut to max_length (Discord refuses the modal otherwise)', () => {
    const [name] = components(refill(everyKind(), { name: 'x'.repeat(60) }));
    expect(name!.component).toMatchObject({ value: 'x'.repeat(40), max_length: 40 });
  });
});

describe('Discord modal: the incident forms', () => {
  it('declare: five labelled components, the most a modal holds', () => {
    const form = declareForm(dir, { title: 'Checkout fails' }, 'nonce-123');
    const m = renderModal(form, strict);
    expect(m.title).toBe('Declare an incident');
    expect(m.custom_id).toBe('f1|incident.declare|nonce-123');
    expect(decodeForm(m.custom_id)).toEqual({ ok: true, target: form.target });
    expect(m.components).toHaveLength(DISCORD.MODAL_COMPONENTS);
    expect(m.components[0]).toEqual({
      type: 18,
      label: 'Title',
      component: {
        type: 4,
        custom_id: 'title',
        style: 1,
        required: true,
        max_length: 100,
        value: 'Checkout fails',
        placeholder: 'Checkout fails with 502',
      },
    });
    expect(m.components[1]!.component).toEqual({
      type: 3,
      custom_id: 'severity',
      required: true,
      min_values: 1,
      max_values: 1,
      options: [
        { label: 'SEV1', value: 'SEV1', description: 'Customer-facing outage' },
        { label: 'SEV2', value: 'SEV2', description: 'Degraded service' },
        { label: 'SEV3', value: 'SEV3', description: 'Minor impact' },
        { label: 'SEV4', value: 'SEV4', description: 'No customer impact' },
      ],
    });
    expect(m.components[2]).toEqual({
      type: 18,
      label: 'Affected service',
      component: {
        type: 3,
        custom_id: 'service',
        required: false,
        min_values: 0,
        max_values: 1,
        options: [
          { label: 'Payments API', value: 'payments-api', description: 'payments-api · tier 1' },
          { label: 'Ledger', value: 'ledger', description: 'ledger · tier 2' },
          { label: 'Edge Gateway', value: 'edge-gateway', description: 'edge-gateway · tier 1' },
          { label: 'Not sure yet', value: '-' },
        ],
      },
    });
    expect(m.components[3]).toEqual({
      type: 18,
      label: 'Summary',
      component: {
        type: 4,
        custom_id: 'summary',
        style: 2,
        required: false,
        max_length: 1000,
        placeholder: 'What is happening, who is affected',
      },
    });
    expect(m.components[4]).toEqual({
      type: 18,
      label: 'Page the on-call now?',
      component: {
        type: 3,
        custom_id: 'page',
        required: false,
        min_values: 0,
        max_values: 1,
        options: [
          { label: 'Yes', value: 'yes', description: 'Page the on-call now' },
          { label: 'No', value: 'no', default: true },
        ],
      },
    });
  });

  it('declare shown again after an error keeps everything the user had entered', () => {
    const typed = {
      title: 'DB',
      severity: 'SEV1',
      service: 'ledger',
      summary: 'pool exhausted\nsince 06:00',
      page: 'yes',
    };
    const c = components(declareForm(dir, typed));
    expect(c[0]!.component).toMatchObject({ value: 'DB' });
    expect(c.slice(1, 3).map(defaults)).toEqual([['SEV1'], ['ledger']]);
    expect(c[3]!.component).toMatchObject({ value: 'pool exhausted\nsince 06:00' });
    expect(defaults(c[4]!)).toEqual(['yes']);
  });

  it('status, severity, role and resolve: the current value preselected where there is one', () => {
    const i = incident({ status: 'identified', severity: 'SEV3' });
    const status = renderModal(statusForm(i), strict);
    expect(status.title).toBe('INC-7 status');
    expect(status.custom_id).toMatch(/^f1\|incident\.status\|7\|[A-Za-z0-9_-]{12}$/);
    expect(defaults(status.components[0]!)).toEqual(['identified']);
    expect((status.components[0]!.component as { options: DiscordSelectOption[] }).options.map((o) => o.label)).toEqual(
      ['Investigating', 'Identified', 'Monitoring', 'Declined', 'Cancelled'],
    );
    expect(status.components[1]!.component).toEqual({
      type: 4,
      custom_id: 'text',
      style: 2,
      required: false,
      max_length: 2000,
    });
    expect(defaults(renderModal(severityForm(dir, i), strict).components[0]!)).toEqual(['SEV3']);
    const role = renderModal(roleForm(dir, i), strict).components;
    expect(role.map((c) => [c.label, defaults(c)])).toEqual([
      ['Role', []],
      ['Person', []],
    ]);
    expect(renderModal(resolveForm(i), strict)).toMatchObject({
      title: 'Resolve INC-7',
      components: [
        {
          type: 18,
          label: 'Resolution summary',
          component: {
            type: 4,
            custom_id: 'summary',
            style: 2,
            required: true,
            max_length: 2000,
            placeholder: 'What fixed it',
          },
        },
      ],
    });
  });

  it('status, severity, role and resolve shown again keep what the user chose, not the current value', () => {
    const i = incident({ status: 'investigating' });
    const [st, text] = components(statusForm(i, { status: 'monitoring', text: 'rolled back' }));
    expect(defaults(st!)).toEqual(['monitoring']);
    expect(text!.component).toMatchObject({ value: 'rolled back' });
    expect(components(roleForm(dir, i, { role: 'scribe', person: 'carol' })).map(defaults)).toEqual([
      ['scribe'],
      ['carol'],
    ]);
    expect(components(severityForm(dir, i, { severity: 'SEV1' })).map(defaults)).toEqual([['SEV1']]);
    expect(components(resolveForm(i, { summary: 'Rolled back the deploy' }))[0]!.component).toMatchObject({
      value: 'Rolled back the deploy',
    });
  });
});

describe('Discord modal: limits', () => {
  const titled = (title: string): Form => ({ ...everyKind(), title });

  it('a title over 45 characters throws in strict mode and is cut with a mark in production', () => {
    const long = 'Declare an incident for the payments API outage';
    expect(long).toHaveLength(47);
    expect(() => renderModal(titled(long), strict)).toThrow(LimitError);
    expect(() => renderModal(titled(long), strict)).toThrow('discord limit MODAL_TITLE exceeded: 47 > 45');
    const { cut, policy } = lenient();
    const m = renderModal(titled(long), policy);
    expect(m.title).toBe(long.slice(0, 45 - TRUNCATION_MARK.length) + TRUNCATION_MARK);
    expect(m.title).toHaveLength(MODAL.TITLE);
    expect(cut).toEqual(['discord:MODAL_TITLE']);
    expect(renderModal(titled('t'.repeat(45)), strict).title).toBe('t'.repeat(45));
  });

  it('more than 5 components: strict throws, production keeps the first 5', () => {
    const six: Form = {
      ...everyKind(),
      fields: Array.from({ length: 6 }, (_, n) => ({ id: `f${n}`, label: `F${n}`, kind: 'text' as const })),
    };
    expect(() => renderModal(six, strict)).toThrow('discord limit MODAL_COMPONENTS exceeded: 6 > 5');
    const { cut, policy } = lenient();
    expect(renderModal(six, policy).components.map((c) => c.component.custom_id)).toEqual([
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
    ]);
    expect(cut).toEqual(['discord:MODAL_COMPONENTS']);
  });

  it('labels over 45, placeholders over 100 and more than 25 options are cut visibly; each cut reported', () => {
    const options = Array.from({ length: 30 }, (_, n) => ({
      value: `o${n}`,
      label: n === 0 ? 'O'.repeat(101) : `O${n}`,
    }));
    const form = everyKind({
      name: { label: 'What is the name of the thing that is broken now?', placeholder: 'p'.repeat(120) },
      colour: { options, initial: 'o29' },
    });
    expect(() => renderModal(form, strict)).toThrow(/LABEL exceeded: 49 > 45/);
    const { cut, policy } = lenient();
    const [name, , colour] = renderModal(form, policy).components;
    expect(name!.label).toHaveLength(MODAL.LABEL);
    expect(name!.label.endsWith(TRUNCATION_MARK)).toBe(true);
    expect((name!.component as { placeholder: string }).placeholder).toBe(
      'p'.repeat(100 - TRUNCATION_MARK.length) + TRUNCATION_MARK,
    );
    const opts = (colour!.component as { options: DiscordSelectOption[] }).options;
    expect(opts).toHaveLength(MODAL.SELECT_OPTIONS);
    expect(opts[0]!.label).toHaveLength(MODAL.OPTION_LABEL);
    expect(cut).toEqual(['discord:LABEL', 'discord:PLACEHOLDER', 'discord:SELECT_OPTIONS', 'discord:OPTION_LABEL']);
  });

  it('ids that cannot be cut (field custom_id, option values) are refused even in production', () => {
    const { cut, policy } = lenient();
    expect(() => renderModal(everyKind({ name: { id: 'n'.repeat(101) } }), policy)).toThrow(
      'discord limit CUSTOM_ID exceeded: 101 > 100',
    );
    expect(() =>
      renderModal(everyKind({ colour: { options: [{ value: 'v'.repeat(101), label: 'x' }] } }), policy),
    ).toThrow('discord limit OPTION_VALUE exceeded: 101 > 100');
    expect(cut).toEqual([]);
  });
});

// ---- MODAL_SUBMIT → field values, through the real handler ----

type Json = Record<string, any>;
const submitted: Array<{ inv: Invocation; formId: string; values: Record<string, string | undefined> }> = [];
const callbacks: Array<{ url: string; body: Json }> = [];
let fieldErrors: Record<string, string> | undefined;
let api: http.Server;
let client: Client;

const actions = new ActionCodec(standardRegistry());
/** With field errors: the command that opens the declare form again (the dispatcher decides which). */
const reopen = { kind: 'incident.declare', title: 'DB' };
let reopenWith: typeof reopen | undefined = reopen;

/** Records every submission; answers with field errors when a test sets them. */
const dispatcher: Dispatcher = {
  registry: standardRegistry(),
  actions,
  refuse: () => undefined,
  command: async () => ({ cards: [], visibility: 'ephemeral' }),
  action: async () => ({ cards: [], visibility: 'ephemeral' }),
  async submit(inv, formId, values) {
    submitted.push({ inv, formId, values });
    const reply: Reply = { cards: [{ title: 'Done' }], visibility: 'ephemeral' };
    return fieldErrors ? { reply, fieldErrors, reopen: reopenWith } : { reply };
  },
  settled: async () => {},
  pinned: async () => false,
};

beforeAll(async () => {
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      callbacks.push({ url: req.url ?? '', body: body ? JSON.parse(body) : null });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  client = new Client({ intents: [], rest: { api: `http://127.0.0.1:${(api.address() as AddressInfo).port}/api` } });
});
afterAll(async () => {
  await client.destroy();
  await new Promise((r) => api.close(r));
});

/** A MODAL_SUBMIT interaction as Discord sends it (a guild member, the modal's custom_id and components). */
function modalSubmit(customId: string, components: Json[]): Json {
  return {
    id: '1095661440997806172',
    application_id: '1016612301262041098',
    type: 5,
    token: 'interaction-token',
    version: 1,
    locale: 'en-US',
    guild_locale: 'en-US',
    guild_id: '808638139785936919',
    channel_id: '1016614538398937098',
    channel: { id: '1016614538398937098', type: 0, guild_id: '808638139785936919', name: 'incidents' },
    member: {
      user: {
        id: '111111111111111111',
        username: 'alice',
        global_name: 'Alice',
        discriminator: '0',
        avatar: null,
        public_flags: 0,
      },
      roles: [],
      permissions: '70368744177663',
      joined_at: '2021-02-09T09:59:16.364000+00:00',
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
    },
    app_permissions: '70368744177663',
    entitlements: [],
    authorizing_integration_owners: { '0': '808638139785936919' },
    context: 0,
    data: { custom_id: customId, components },
  };
}
const label = (id: number, component: Json) => ({ type: 18, id, component });
const text = (id: number, customId: string, value: string) => ({ type: 4, id, custom_id: customId, value });
const choice = (id: number, customId: string, values: string[]) => ({ type: 3, id, custom_id: customId, values });

async function submit(raw: Json) {
  submitted.length = 0;
  callbacks.length = 0;
  const handle = createInteractionHandler({ dispatcher, render: new DiscordRenderer(strict, actions) });
  // discord.js builds the interaction from the raw payload, as its gateway does.
  const interaction = new (ModalSubmitInteraction as unknown as new (c: Client, d: Json) => ModalSubmitInteraction)(
    client,
    raw,
  );
  await handle(interaction);
  return { submitted: [...submitted], callbacks: [...callbacks] };
}

describe('Discord MODAL_SUBMIT → field values', () => {
  it('reads label-wrapped text inputs and string selects by custom_id', async () => {
    const form = 'f1|incident.declare|nonce-123';
    const r = await submit(
      modalSubmit(form, [
        label(1, text(2, 'title', 'Checkout 502s')),
        label(3, choice(4, 'severity', ['SEV2'])),
        label(5, choice(6, 'service', ['payments-api'])),
        label(7, text(8, 'summary', 'Something wrong\n  Please help!')),
        label(9, choice(10, 'page', ['yes'])),
      ]),
    );
    expect(r.submitted).toHaveLength(1);
    expect(r.submitted[0]!.formId).toBe(form);
    expect(r.submitted[0]!.values).toEqual({
      title: 'Checkout 502s',
      severity: 'SEV2',
      service: 'payments-api',
      summary: 'Something wrong\n  Please help!',
      page: 'yes',
    });
    expect(r.submitted[0]!.inv).toMatchObject({
      platform: 'discord',
      userId: '111111111111111111',
      userName: 'Alice',
      channelId: '1016614538398937098',
    });
    // Answered once, ephemerally, on the interaction's callback.
    expect(r.callbacks.map((c) => [c.url.replace(/\?.*$/, ''), c.body.type, c.body.data.flags])).toEqual([
      ['/api/v10/interactions/1095661440997806172/interaction-token/callback', 4, 64],
    ]);
    expect(r.callbacks[0]!.body.data.embeds[0].title).toBe('Done');
  });

  it('reads the classic action-row shape too', async () => {
    const r = await submit(
      modalSubmit('f1|incident.resolve|7|nonce-123', [
        { type: 1, id: 1, components: [text(2, 'summary', 'Rolled back')] },
      ]),
    );
    expect(r.submitted[0]!.values).toEqual({ summary: 'Rolled back' });
  });

  it('left empty: an optional text input comes back empty, a select with nothing chosen gives no value', async () => {
    const r = await submit(
      modalSubmit('f1|incident.declare|nonce-123', [
        label(1, text(2, 'summary', '')),
        label(3, choice(4, 'service', [])),
      ]),
    );
    expect(r.submitted[0]!.values).toEqual({ summary: '' });
    expect(r.submitted[0]!.values.service).toBeUndefined();
  });

  it('round trip: a rendered modal submitted with its preselected values reads back what was shown', async () => {
    const typed = {
      title: 'Checkout down',
      severity: 'SEV1',
      service: 'edge-gateway',
      summary: '502 on /pay',
      page: 'yes',
    };
    const m = renderModal(declareForm(dir, typed), strict);
    let n = 0;
    const back = m.components.map((c) => {
      const inner = c.component;
      return label(
        ++n,
        inner.type === 4
          ? text(++n, inner.custom_id, inner.value ?? '')
          : choice(
              ++n,
              inner.custom_id,
              inner.options.filter((o) => o.default).map((o) => o.value),
            ),
      );
    });
    const r = await submit(modalSubmit(m.custom_id, back));
    expect(r.submitted[0]).toMatchObject({ formId: m.custom_id, values: typed });
  });

  it('invalid fields: the answer lists them and offers a button that opens the form again', async () => {
    fieldErrors = { title: 'Use at least 3 characters', severity: 'Choose a severity' };
    try {
      const r = await submit(
        modalSubmit('f1|incident.declare|nonce-123', [
          label(1, text(2, 'title', 'DB')),
          label(3, choice(4, 'severity', [])),
        ]),
      );
      const data = r.callbacks[0]!.body.data;
      expect(data.flags).toBe(64);
      expect(data.embeds[0].title).toBe('Some fields need another look');
      expect(data.embeds[0].description).toContain('Use at least 3 characters');
      expect(data.embeds[0].description).toContain('Choose a severity');
      const again = data.components[0].components[0];
      expect(again).toMatchObject({ type: 2, label: 'Open the form again' });
      expect(actions.decode(again.custom_id)).toEqual({ ok: true, command: reopen });
    } finally {
      fieldErrors = undefined;
    }
  });

  it('invalid fields and no way to reopen the form: the problems are listed without a button', async () => {
    fieldErrors = { summary: 'Keep it under 2000 characters' };
    reopenWith = undefined;
    try {
      const r = await submit(modalSubmit('f1|incident.resolve|7|nonce-123', [label(1, text(2, 'summary', 'x'))]));
      const data = r.callbacks[0]!.body.data;
      expect(data.embeds[0].description).toContain('Keep it under 2000 characters');
      expect(data.components).toEqual([]);
    } finally {
      fieldErrors = undefined;
      reopenWith = reopen;
    }
  });

  it('submissions of forms that are not Steward’s are left alone', async () => {
    const r = await submit(
      modalSubmit('game_feedback_modal', [label(1, text(2, 'game_feedback', 'The recent changes feel better'))]),
    );
    expect(r).toEqual({ submitted: [], callbacks: [] });
  });
});
