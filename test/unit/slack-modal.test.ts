// Steward's forms as Slack modals: every field kind as the Block Kit input Slack expects, the real
// incident forms, values typed before an error shown again, the limits (strict throws, production
// cuts visibly), and view_submission state read back into field values.
import { describe, expect, it } from 'vitest';
import type { Form, FormField } from '../../src/core/card.js';
import { Directory } from '../../src/core/directory.js';
import { declareForm, resolveForm, roleForm, severityForm, statusForm } from '../../src/core/incidents/forms.js';
import type { Incident } from '../../src/core/incidents/model.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { decodeForm } from '../../src/render/form-codec.js';
import { LimitError, Limits, SLACK, TRUNCATION_MARK } from '../../src/render/limits.js';
import {
  type ElementState,
  FIELD_ACTION_ID,
  modalMetadata,
  modalValues,
  renderModal,
  SLACK_MODAL,
} from '../../src/render/slack/modal.js';

const loaded = loadPolicyFile(new URL('../../manifests/policy.example.yaml', import.meta.url).pathname);
const dir = new Directory(loaded.policy, loaded.sha256);
const strict = { strict: true };
const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** Collects what a non-strict render cut. */
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
  declaredPlatform: 'slack',
  declaredUserId: 'U0ALICE',
  declaredChannel: 'C0INCIDENTS',
  pageOncall: false,
  declaredAt: new Date('2026-03-08T06:30:00.000Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  resolution: null,
  postmortem: null,
  roles: {},
  warRoom: { platform: 'slack', channelId: 'C0INC7', name: 'inc-7-database-down', state: 'ready', error: null },
  version: 1,
  updatedAt: new Date('2026-03-08T06:30:00.000Z'),
  ...over,
});

/** One form with every field kind. */
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

/** What the user typed, put back into the form as initial values (as when it is shown again after an error). */
const refill = (form: Form, typed: Record<string, string>): Form => ({
  ...form,
  fields: form.fields.map((f) => (typed[f.id] === undefined ? f : { ...f, initial: typed[f.id] })),
});

type Block = {
  type: string;
  block_id: string;
  optional: boolean;
  label: { text: string };
  element: Record<string, any>;
};
const blocks = (form: Form, policy: { strict: boolean } = strict) =>
  renderModal(form, { channel: 'C0INCIDENTS' }, policy).blocks as unknown as Block[];
const byId = (form: Form, id: string) => blocks(form).find((b) => b.block_id === id)!;

describe('Slack modal: field kinds', () => {
  it('renders the view envelope: callback_id is the encoded form target, private_metadata the channel', () => {
    const view = renderModal(everyKind(), { channel: 'C0INCIDENTS' }, strict);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'f1|incident.declare|nonce-123',
      private_metadata: '{"channel":"C0INCIDENTS"}',
      title: plain('Every kind'),
      submit: plain('Send'),
      close: plain('Cancel'),
    });
    expect(decodeForm(view.callback_id)).toEqual({
      ok: true,
      target: { kind: 'incident.declare', nonce: 'nonce-123' },
    });
    expect(view.blocks.map((b) => [b.type, b.block_id])).toEqual([
      ['input', 'name'],
      ['input', 'notes'],
      ['input', 'colour'],
      ['input', 'urgent'],
    ]);
  });

  it('text: a single-line plain_text_input with max_length, required unless optional', () => {
    expect(byId(everyKind(), 'name')).toEqual({
      type: 'input',
      block_id: 'name',
      label: plain('Name'),
      optional: false,
      element: { type: 'plain_text_input', action_id: FIELD_ACTION_ID, max_length: 40 },
    });
  });

  it('paragraph: a multiline plain_text_input; optional when not required; max_length capped at 3000', () => {
    expect(byId(everyKind(), 'notes')).toEqual({
      type: 'input',
      block_id: 'notes',
      label: plain('Notes'),
      optional: true,
      element: { type: 'plain_text_input', action_id: 'value', multiline: true },
    });
    expect(byId(everyKind({ notes: { maxLength: 10_000 } }), 'notes').element.max_length).toBe(
      SLACK_MODAL.INPUT_MAX_LENGTH,
    );
  });

  it('select: a static_select with its options (descriptions kept) and a default placeholder', () => {
    expect(byId(everyKind(), 'colour')).toEqual({
      type: 'input',
      block_id: 'colour',
      label: plain('Colour'),
      optional: false,
      element: {
        type: 'static_select',
        action_id: 'value',
        options: [
          { text: plain('Red'), value: 'red', description: plain('warm') },
          { text: plain('Blue'), value: 'blue' },
        ],
        placeholder: plain('Choose…'),
      },
    });
    expect(byId(everyKind({ colour: { placeholder: 'Pick one' } }), 'colour').element.placeholder).toEqual(
      plain('Pick one'),
    );
  });

  it('boolean: a checkboxes element with its one option, unticked unless it starts as yes', () => {
    expect(byId(everyKind(), 'urgent')).toEqual({
      type: 'input',
      block_id: 'urgent',
      label: plain('Urgent?'),
      optional: true,
      element: {
        type: 'checkboxes',
        action_id: 'value',
        options: [{ text: plain('Yes, it is urgent'), value: 'yes' }],
      },
    });
    // Without options of its own, the checkbox says the field's label and means "yes".
    expect(byId(everyKind({ urgent: { options: undefined } }), 'urgent').element.options).toEqual([
      { text: plain('Urgent?'), value: 'yes' },
    ]);
  });

  it('values typed before an error are shown again, for every field kind', () => {
    const typed = { name: 'Bea', notes: 'line one\n  line two', colour: 'blue', urgent: 'yes' };
    const b = blocks(refill(everyKind(), typed));
    expect(b[0]!.element.initial_value).toBe('Bea');
    expect(b[1]!.element.initial_value).toBe('line one\n  line two');
    expect(b[2]!.element.initial_option).toEqual({ text: plain('Blue'), value: 'blue' });
    expect(b[3]!.element.initial_options).toEqual([{ text: plain('Yes, it is urgent'), value: 'yes' }]);
    // Nothing typed: nothing preselected.
    const empty = blocks(everyKind());
    expect(empty.map((x) => [x.element.initial_value, x.element.initial_option, x.element.initial_options])).toEqual(
      Array.from({ length: 4 }, () => [undefined, undefined, undefined]),
    );
    // An unticked box and a choice that is not an option preselect nothing.
    const other = blocks(refill(everyKind(), { colour: 'green', urgent: 'no' }));
    expect(other[2]!.element).not.toHaveProperty('initial_option');
    expect(other[3]!.element).not.toHaveProperty('initial_options');
  });

  it('an initial text longer than the input allows is cut to max_length (Slack refuses the view otherwise)', () => {
    const b = blocks(refill(everyKind(), { name: 'x'.repeat(60) }));
    expect(b[0]!.element.initial_value).toBe('x'.repeat(40));
    expect(b[0]!.element.max_length).toBe(40);
  });

  it('user text in labels, placeholders and options cannot mention anyone', () => {
    const hostile = everyKind({
      name: { label: '<!channel> @here', placeholder: '<@U0BOSS>' },
      colour: { options: [{ value: 'x', label: '@everyone <#C1>' }] },
    });
    const text = JSON.stringify(blocks(hostile));
    expect(text).not.toMatch(/<!channel>|<@U0BOSS>|<#C1>|@here\b|@everyone\b/);
    expect(byId(hostile, 'name').label.text).toBe('‹!channel› @\u200bhere');
  });
});

describe('Slack modal: the incident forms', () => {
  it('declare: title, severity, service, summary and page, as Slack inputs', () => {
    const form = declareForm(dir, { title: 'Checkout fails' }, 'nonce-123');
    const view = renderModal(form, { channel: 'C0INCIDENTS' }, strict);
    expect(view.title).toEqual(plain('Declare an incident'));
    expect(view.submit).toEqual(plain('Declare'));
    expect(view.callback_id).toBe('f1|incident.declare|nonce-123');
    expect(decodeForm(view.callback_id)).toEqual({ ok: true, target: form.target });
    const b = view.blocks as unknown as Block[];
    expect(b.map((x) => [x.block_id, x.element.type, x.optional])).toEqual([
      ['title', 'plain_text_input', false],
      ['severity', 'static_select', false],
      ['service', 'static_select', true],
      ['summary', 'plain_text_input', true],
      ['page', 'checkboxes', true],
    ]);
    expect(b[0]!.element).toEqual({
      type: 'plain_text_input',
      action_id: 'value',
      initial_value: 'Checkout fails',
      max_length: 100,
      placeholder: plain('Checkout fails with 502'),
    });
    expect(b[1]!.element.options).toEqual([
      { text: plain('SEV1'), value: 'SEV1', description: plain('Customer-facing outage') },
      { text: plain('SEV2'), value: 'SEV2', description: plain('Degraded service') },
      { text: plain('SEV3'), value: 'SEV3', description: plain('Minor impact') },
      { text: plain('SEV4'), value: 'SEV4', description: plain('No customer impact') },
    ]);
    expect(b[1]!.element).not.toHaveProperty('initial_option');
    expect(b[2]!.element.options).toEqual([
      { text: plain('Payments API'), value: 'payments-api', description: plain('payments-api · tier 1') },
      { text: plain('Ledger'), value: 'ledger', description: plain('ledger · tier 2') },
      { text: plain('Edge Gateway'), value: 'edge-gateway', description: plain('edge-gateway · tier 1') },
      { text: plain('Not sure yet'), value: '-' },
    ]);
    expect(b[3]!.element).toEqual({
      type: 'plain_text_input',
      action_id: 'value',
      multiline: true,
      max_length: 1000,
      placeholder: plain('What is happening, who is affected'),
    });
    expect(b[4]!.element).toEqual({
      type: 'checkboxes',
      action_id: 'value',
      options: [{ text: plain('Page the on-call now'), value: 'yes' }],
    });
    // Declared without a title: the title input starts empty.
    expect((renderModal(declareForm(dir, {}), {}, strict).blocks[0] as unknown as Block).element).not.toHaveProperty(
      'initial_value',
    );
  });

  it('declare shown again after an error keeps everything the user had entered', () => {
    const typed = {
      title: 'DB',
      severity: 'SEV1',
      service: 'ledger',
      summary: 'pool exhausted\nsince 06:00',
      page: 'yes',
    };
    const b = blocks(declareForm(dir, typed));
    expect(b[0]!.element.initial_value).toBe('DB');
    expect(b[1]!.element.initial_option).toEqual({
      text: plain('SEV1'),
      value: 'SEV1',
      description: plain('Customer-facing outage'),
    });
    expect(b[2]!.element.initial_option).toEqual({
      text: plain('Ledger'),
      value: 'ledger',
      description: plain('ledger · tier 2'),
    });
    expect(b[3]!.element.initial_value).toBe('pool exhausted\nsince 06:00');
    expect(b[4]!.element.initial_options).toEqual([{ text: plain('Page the on-call now'), value: 'yes' }]);
  });

  it('status, severity, role and resolve: the current value preselected where there is one', () => {
    const i = incident({ status: 'identified', severity: 'SEV3' });
    const status = renderModal(statusForm(i), {}, strict);
    expect(status.title).toEqual(plain('INC-7 status'));
    expect(status.callback_id).toMatch(/^f1\|incident\.status\|7\|/);
    const [st, text] = status.blocks as unknown as Block[];
    expect(st!.element.options.map((o: { value: string }) => o.value)).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'declined',
      'cancelled',
    ]);
    expect(st!.element.initial_option.value).toBe('identified');
    expect(text).toMatchObject({
      block_id: 'text',
      optional: true,
      element: { type: 'plain_text_input', multiline: true, max_length: 2000 },
    });

    const [sev] = renderModal(severityForm(dir, i), {}, strict).blocks as unknown as Block[];
    expect(sev!.element.initial_option).toEqual({
      text: plain('SEV3'),
      value: 'SEV3',
      description: plain('Minor impact'),
    });

    const [role, person] = renderModal(roleForm(dir, i), {}, strict).blocks as unknown as Block[];
    expect(role!.element.options.map((o: { value: string }) => o.value)).toEqual([
      'commander',
      'communications',
      'scribe',
    ]);
    expect(person!.element.options[0]).toEqual({
      text: plain('Alice Example'),
      value: 'alice',
      description: plain('alice'),
    });

    const resolve = renderModal(resolveForm(i), {}, strict);
    expect(resolve.title).toEqual(plain('Resolve INC-7'));
    expect(resolve.blocks).toEqual([
      {
        type: 'input',
        block_id: 'summary',
        label: plain('Resolution summary'),
        optional: false,
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: 2000,
          placeholder: plain('What fixed it'),
        },
      },
    ]);
  });

  it('status, severity, role and resolve shown again keep what the user chose, not the current value', () => {
    const i = incident({ status: 'investigating', severity: 'SEV2' });
    const [st, text] = blocks(statusForm(i, { status: 'monitoring', text: 'rolled back' }));
    expect(st!.element.initial_option).toEqual({ text: plain('Monitoring'), value: 'monitoring' });
    expect(text!.element.initial_value).toBe('rolled back');
    const [role, person] = blocks(roleForm(dir, i, { role: 'scribe', person: 'carol' }));
    expect(role!.element.initial_option).toEqual({ text: plain('scribe'), value: 'scribe' });
    expect(person!.element.initial_option).toEqual({
      text: plain('Carol Danvers'),
      value: 'carol',
      description: plain('carol'),
    });
    const [sev] = blocks(severityForm(dir, i, { severity: 'SEV1' }));
    expect(sev!.element.initial_option).toEqual({
      text: plain('SEV1'),
      value: 'SEV1',
      description: plain('Customer-facing outage'),
    });
    const [summary] = blocks(resolveForm(i, { summary: 'Rolled back the deploy' }));
    expect(summary!.element.initial_value).toBe('Rolled back the deploy');
  });
});

describe('Slack modal: limits', () => {
  const titled = (title: string): Form => ({ ...everyKind(), title });

  it('a title over 24 characters throws in strict mode and is cut with a mark in production', () => {
    const long = 'Declare a brand new incident now';
    expect(() => renderModal(titled(long), {}, strict)).toThrow(LimitError);
    expect(() => renderModal(titled(long), {}, strict)).toThrow('slack limit MODAL_TITLE exceeded: 32 > 24');
    const { cut, policy } = lenient();
    const view = renderModal(titled(long), {}, policy);
    expect(view.title).toEqual(plain('Declare a brand new inc…'));
    expect((view.title as { text: string }).text).toHaveLength(SLACK.MODAL_TITLE);
    expect(cut).toEqual(['slack:MODAL_TITLE']);
    // Exactly 24 fits.
    expect(renderModal(titled('x'.repeat(24)), {}, strict).title).toEqual(plain('x'.repeat(24)));
  });

  it('more than 100 inputs: strict throws, production keeps the first 100', () => {
    const many: Form = {
      ...everyKind(),
      fields: Array.from({ length: 101 }, (_, n) => ({ id: `f${n}`, label: `F${n}`, kind: 'text' as const })),
    };
    expect(() => renderModal(many, {}, strict)).toThrow('slack limit MODAL_BLOCKS exceeded: 101 > 100');
    const { cut, policy } = lenient();
    const view = renderModal(many, {}, policy);
    expect(view.blocks).toHaveLength(SLACK_MODAL.BLOCKS);
    expect(view.blocks.at(-1)!.block_id).toBe('f99');
    expect(cut).toEqual(['slack:MODAL_BLOCKS']);
  });

  it('long labels, option texts and placeholders are cut visibly; each cut is reported', () => {
    const form = everyKind({
      name: { label: 'L'.repeat(2001), placeholder: 'P'.repeat(151) },
      colour: { options: [{ value: 'v', label: 'O'.repeat(76), description: 'D'.repeat(80) }] },
    });
    expect(() => renderModal(form, {}, strict)).toThrow(/INPUT_LABEL exceeded: 2001 > 2000/);
    const { cut, policy } = lenient();
    const b = renderModal(form, {}, policy).blocks as unknown as Block[];
    expect(b[0]!.label.text).toHaveLength(SLACK_MODAL.LABEL);
    expect(b[0]!.label.text.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(b[0]!.element.placeholder.text).toBe('P'.repeat(149) + '…');
    expect(b[2]!.element.options[0].text.text).toBe('O'.repeat(75 - TRUNCATION_MARK.length) + TRUNCATION_MARK);
    expect(b[2]!.element.options[0].description.text).toHaveLength(SLACK_MODAL.OPTION_DESCRIPTION);
    expect(cut).toEqual(['slack:INPUT_LABEL', 'slack:PLACEHOLDER', 'slack:OPTION_TEXT', 'slack:OPTION_DESCRIPTION']);
  });

  it('more than 100 options: strict throws, production keeps the first 100', () => {
    const options = Array.from({ length: 105 }, (_, n) => ({ value: `o${n}`, label: `O${n}` }));
    expect(() => renderModal(everyKind({ colour: { options } }), {}, strict)).toThrow(
      'slack limit SELECT_OPTIONS exceeded: 105 > 100',
    );
    const { cut, policy } = lenient();
    const b = renderModal(everyKind({ colour: { options } }), {}, policy).blocks as unknown as Block[];
    expect(b[2]!.element.options).toHaveLength(SLACK_MODAL.OPTIONS);
    expect(cut).toEqual(['slack:SELECT_OPTIONS']);
  });

  it('values that cannot be cut (option values, metadata) are refused even in production', () => {
    const { cut, policy } = lenient();
    expect(() =>
      renderModal(everyKind({ colour: { options: [{ value: 'v'.repeat(151), label: 'x' }] } }), {}, policy),
    ).toThrow('slack limit OPTION_VALUE exceeded: 151 > 150');
    expect(() => renderModal(everyKind(), { channel: 'C'.repeat(3000) }, policy)).toThrow(/PRIVATE_METADATA exceeded/);
    expect(cut).toEqual([]);
  });
});

describe('limits.ts', () => {
  it('strict: any overflow throws a LimitError with its code, platform, limit and sizes', () => {
    const lim = new Limits('slack', strict);
    expect(lim.text('SECTION_TEXT', 5, 'hello')).toBe('hello');
    expect(lim.items('X', 2, [1, 2])).toEqual([1, 2]);
    let err: unknown;
    try {
      lim.text('SECTION_TEXT', 5, 'hello!');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({
      code: 'RENDER.LIMIT',
      platform: 'slack',
      limit: 'SECTION_TEXT',
      max: 5,
      actual: 6,
      message: 'slack limit SECTION_TEXT exceeded: 6 > 5',
    });
    expect(() => lim.items('BLOCKS', 2, [1, 2, 3])).toThrow('slack limit BLOCKS exceeded: 3 > 2');
  });

  it('non-strict: text is cut to exactly the limit ending in the mark, lists to their first items; each reported', () => {
    const cut: string[] = [];
    const lim = new Limits('discord', { strict: false, onTruncate: (p, l) => cut.push(`${p}:${l}`) });
    const s = lim.text('FIELD_VALUE', 20, 'abcdefghijklmnopqrstuvwxyz');
    expect(s).toBe('abcdefg' + TRUNCATION_MARK);
    expect(s).toHaveLength(20);
    expect(lim.items('EMBEDS', 2, ['a', 'b', 'c'])).toEqual(['a', 'b']);
    expect(lim.text('FIELD_VALUE', 20, 'short')).toBe('short');
    expect(cut).toEqual(['discord:FIELD_VALUE', 'discord:EMBEDS']);
    // No reporter: still cut, nothing thrown.
    expect(new Limits('slack', { strict: false }).text('X', 15, 'abcdefghijklmnop')).toBe('ab' + TRUNCATION_MARK);
  });

  it('exact: ids are never cut, whatever the policy', () => {
    const cut: string[] = [];
    const lim = new Limits('discord', { strict: false, onTruncate: (_p, l) => cut.push(l) });
    expect(lim.exact('CUSTOM_ID', 100, 'x'.repeat(100))).toBe('x'.repeat(100));
    expect(() => lim.exact('CUSTOM_ID', 100, 'x'.repeat(101))).toThrow('discord limit CUSTOM_ID exceeded: 101 > 100');
    expect(cut).toEqual([]);
  });
});

describe('Slack view_submission → field values', () => {
  /** `view.state.values` as Slack sends it: block id → action id → element state. */
  type State = Record<string, Record<string, ElementState & Record<string, unknown>>>;

  it('reads text, paragraph, select and checkbox inputs by block id', () => {
    const state: State = {
      title: { value: { type: 'plain_text_input', value: 'Checkout 502s' } },
      summary: { value: { type: 'plain_text_input', value: 'Something wrong\n  Please help!' } },
      severity: {
        value: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'SEV2', emoji: true }, value: 'SEV2' } as never,
        },
      },
      page: {
        value: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'plain_text', text: 'Page the on-call now', emoji: true }, value: 'yes' } as never,
          ],
        },
      },
    };
    expect(modalValues(state)).toEqual({
      title: 'Checkout 502s',
      summary: 'Something wrong\n  Please help!',
      severity: 'SEV2',
      page: 'yes',
    });
  });

  it('left empty: an empty input (null), no choice (null) and an unticked box give no value', () => {
    const state: State = {
      title: { value: { type: 'plain_text_input', value: null } },
      service: { value: { type: 'static_select', selected_option: null } },
      page: { value: { type: 'checkboxes', selected_options: [] } },
    };
    const values = modalValues(state);
    expect(values).toEqual({});
    expect(Object.values(values).every((v) => v === undefined)).toBe(true);
  });

  it('an element under another action id still counts; unknown elements give their value or choice', () => {
    const state: State = {
      rating: {
        single_action: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: '3', emoji: true }, value: '3' } as never,
        },
      },
      comment: { single_action: { type: 'plain_text_input', value: 'Just amazing!' } },
      visit: { 'datepicker-action': { type: 'datepicker', selected_date: '1990-04-28' } },
      mood: {
        m: {
          type: 'radio_buttons',
          selected_option: { text: { type: 'plain_text', text: 'Agree', emoji: true }, value: '2' } as never,
        },
      },
      empty: {},
    };
    expect(modalValues(state)).toEqual({ rating: '3', comment: 'Just amazing!', mood: '2' });
  });

  it('round trip: a rendered modal, submitted with its preselected values, reads back what was shown', () => {
    const typed = {
      title: 'Checkout down',
      severity: 'SEV1',
      service: 'payments-api',
      summary: '502 on /pay',
      page: 'yes',
    };
    const view = renderModal(declareForm(dir, typed), { channel: 'C0INCIDENTS' }, strict);
    // What Slack puts in view.state for untouched inputs: their initial values.
    const state: State = Object.fromEntries(
      (view.blocks as unknown as Block[]).map((b) => {
        const e = b.element;
        const s =
          e.type === 'plain_text_input'
            ? { type: e.type, value: e.initial_value ?? null }
            : e.type === 'static_select'
              ? { type: e.type, selected_option: e.initial_option ?? null }
              : { type: e.type, selected_options: e.initial_options ?? [] };
        return [b.block_id, { [e.action_id]: s }];
      }),
    );
    expect(modalValues(state)).toEqual(typed);
    expect(modalMetadata(view.private_metadata as string)).toEqual({ channel: 'C0INCIDENTS' });
  });
});

describe('Slack private_metadata', () => {
  it('round-trips the channel the form was opened from', () => {
    for (const meta of [{ channel: 'C0INCIDENTS' }, {}]) {
      expect(modalMetadata(renderModal(everyKind(), meta, strict).private_metadata as string)).toEqual(meta);
    }
  });

  it('anything unreadable is no metadata', () => {
    for (const raw of [undefined, '', 'This is for you!', '{"channel":5}', '[]', 'null', '{"channel":"C1"'])
      expect(modalMetadata(raw)).toEqual({});
    expect(modalMetadata('{"channel":"C1","other":"x"}')).toEqual({ channel: 'C1' });
  });
});
