// The status page in real Chromium, fed from the real Bolt app and the real discord.js client
// against the Slack and Discord fakes (one Steward serving both, its status page on STATUS_PORT):
// an incident published from Slack and updated from Discord shows with both updates and its
// components' status; a maintenance from an approved change appears, starts and completes.
// Screenshots at desktop and phone widths in light and dark mode go to test-artifacts/status-page/;
// axe-core finds no serious or critical violation; the page works without JavaScript, loads nothing
// from elsewhere and breaks no Content-Security-Policy; the feeds are well-formed XML.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack, SlackClientSim } from '../fakes/slack.js';
import { artifactsDir, axe, describeChromium, launchChromium } from '../support/chromium.js';
import { startSlackAndDiscord } from '../support/steward-both.js';
import { INCIDENTS_GUILD, POLICY_DISCORD, type DiscordSteward } from '../support/steward-discord.js';
import { LIVE_MENTION, field, textOf } from '../support/steward-slack.js';
import { PUBLIC } from './support.js';

type Json = Record<string, any>;
const POLICY = new URL('../fixtures/status-page.policy.yaml', import.meta.url).pathname;
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

describeChromium('the status page in Chromium, fed from Slack and Discord', () => {
  let slack: FakeSlack;
  let s: DiscordSteward;
  let sim: SlackClientSim;
  let browser: Browser;
  let site: string;
  const shots = artifactsDir('status-page');
  /** Console messages and requests that left 127.0.0.1, across every page opened. */
  const problems: string[] = [];

  beforeAll(async () => {
    ({ slack, s, sim } = await startSlackAndDiscord({
      policyFile: POLICY,
      slackUsers: [{ id: 'U0ERIN', name: 'erin', real_name: 'Erin Field' }],
      slackChannels: [
        { id: 'C0INCIDENTS', name: 'incidents' },
        { id: PUBLIC.slack, name: 'status' },
        { id: 'C0PAYMENTS', name: 'payments' },
        { id: 'C0PLATFORM', name: 'platform' },
      ],
      discordChannels: [
        { id: PUBLIC.discord, name: 'status' },
        { id: '222222222222222222', name: 'payments' },
        { id: '222222222222222223', name: 'platform' },
      ],
      env: { STATUS_PORT: '0' },
    }));
    site = `http://127.0.0.1:${s.running.statusPort}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  /** Polls an asynchronous condition until it holds. */
  async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const settled = () => s.rowsWhen((r) => r.length === 0, "select key from outbox_item where state = 'pending'");
  const summary = async () => (await (await fetch(`${site}/api/v2/summary.json`)).json()) as Json;

  async function open(url: string, o: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext(o);
    const page = await context.newPage();
    page.on('console', (m) => problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('http://127.0.0.1:')) problems.push(`request to ${r.url()}`);
    });
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    return page;
  }
  /** The page at both widths in both colour schemes, saved as `<name>-<width>-<scheme>.png`. */
  async function screenshots(name: string, url = `${site}/`) {
    for (const [width, viewport] of Object.entries(VIEWPORTS))
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await open(url, { viewport, colorScheme, isMobile: width === 'phone' });
        // Dark mode really is dark, light mode light.
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(bg, `${width} ${colorScheme}`).toBe(colorScheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
        // Nothing runs off the side on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${width} ${colorScheme} horizontal overflow`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(shots, `${name}-${width}-${colorScheme}.png`), fullPage: true });
        await page.context().close();
      }
  }
  /** Opens a Slack modal with a slash command and submits it with `values`. */
  async function slackForm(user: string, command: string, text: string, values: Json) {
    const mark = slack.mark;
    const r = await sim.slashCommand({ command, text, user_id: user, channel_id: 'C0GENERAL' });
    expect(r.status).toBe(200);
    const opened = await slack.waitFor('views.open', (c) => c.seq >= mark);
    const res = await sim.viewSubmission({ view_id: opened.response.view.id, user, values });
    expect(res.status).toBe(200);
    expect(res.body, JSON.stringify(res.json)).toBe('');
    return opened;
  }

  it(
    'an incident published from Slack and updated from Discord shows with both updates and its components’ status',
    { timeout: 120_000 },
    async () => {
      await slackForm('U0ALICE', '/incident', 'declare Checkout returns 502', {
        title: field.text('Checkout returns 502'),
        severity: field.select('SEV1'),
        service: field.select('payments-api'),
        summary: field.text('pgbouncer on db-03 is saturated; internal only'),
        page: field.unchecked(),
      });
      await settled();
      const opened = await slackForm('U0ALICE', '/incident', 'publish INC-1', {
        title: field.text('Card payments are failing'),
        components: field.text('payments: major_outage\nledger: degraded_performance'),
        status: field.select('investigating'),
        message: field.text('We are investigating failed card payments at checkout. @channel'),
      });
      // The modal offered the incident's service at the status its severity maps to.
      expect(JSON.stringify(opened.body.view)).toContain('payments: major_outage');
      const cb = await s.send(
        s.fake.chatInput({
          name: 'incident',
          subcommand: 'update',
          options: { text: 'A fix is rolling out; payments are recovering.', incident: 'INC-1', public: true },
          user: POLICY_DISCORD.bob,
          channelId: INCIDENTS_GUILD.general,
        }),
      );
      expect(cb.body.data.embeds[0].title).toBe('Public update posted on INC-1');
      await settled();
      await until(
        'the page to show the Discord update',
        async () => (await summary()).incidents[0]?.incident_updates.length === 2,
      );

      const page = await open(`${site}/`);
      expect(await page.locator('#overall').textContent()).toBe('Major System Outage');
      const incident = page.locator('article.event', { hasText: 'Card payments are failing' }).first();
      const updates = await incident.locator('ol.updates > li').allTextContents();
      expect(updates).toHaveLength(2);
      expect(updates[0]).toContain('Investigating – A fix is rolling out; payments are recovering.');
      expect(updates[1]).toContain('Investigating – We are investigating failed card payments at checkout. @channel');
      expect(await incident.locator('.meta').first().textContent()).toBe(
        'Affected: Payments (major outage), Ledger (degraded performance)',
      );
      expect(await page.locator('#c-payments .pill').textContent()).toBe('Major outage');
      expect(await page.locator('#c-ledger .pill').textContent()).toBe('Degraded performance');
      expect(await page.locator('#group-core ~ .component').count()).toBe(2);
      expect(await page.textContent('body')).not.toContain('pgbouncer');
      // The incident's own page (its shortlink) has every update too.
      await incident.locator('h3 a').click();
      await page.waitForURL(/\/incidents\/[a-z0-9]{12}$/);
      expect(await page.locator('ol.updates > li').count()).toBe(2);
      await page.context().close();
      await screenshots('incident');

      // Announced in the public channels, one message edited in place; the mass mention defused.
      const posted = slack.callsOf('chat.postMessage').filter((c) => c.body.channel === PUBLIC.slack);
      expect(posted).toHaveLength(1);
      const edits = slack.callsOf('chat.update').filter((c) => c.body.channel === PUBLIC.slack);
      expect(edits.length).toBeGreaterThan(0);
      for (const c of [...posted, ...edits]) expect(textOf(c)).not.toMatch(LIVE_MENTION);
      expect(textOf(edits.at(-1)!)).toContain('A fix is rolling out');
      const discordPosts = s.fake.restCallsOf('POST', `/channels/${PUBLIC.discord}/messages`);
      expect(discordPosts).toHaveLength(1);
      expect(discordPosts[0]!.body.allowed_mentions).toEqual({ parse: [] });
    },
  );

  it('a maintenance from an approved change appears, starts and completes', { timeout: 120_000 }, async () => {
    await slackForm('U0DAVE', '/change', 'request Upgrade the edge proxies', {
      title: field.text('Upgrade the edge proxies'),
      service: field.select('edge-gateway'),
      kind: field.select('normal-medium'),
      window: field.text('now +2h'),
      details: field.text('Rolling restart; roll back by pinning the old image.'),
    });
    await settled();
    // carol, the owner, approves from her direct message on Slack.
    const [copy] = s.rows<{ channel_id: string; message_id: string }>(
      "select channel_id, message_id from change_message where person_id = 'carol' and platform = 'slack'",
    );
    const message = slack.message(copy!.channel_id, copy!.message_id)!;
    const approve = (message.blocks as Json[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements)
      .find((e: Json) => e.text.text === 'Approve');
    await sim.blockAction({
      action_id: approve.action_id,
      user: 'U0CAROL',
      channel: copy!.channel_id,
      message_ts: copy!.message_id,
    });
    await settled();
    await until('the maintenance to be upcoming', async () => (await summary()).scheduled_maintenances.length === 1);
    let page = await open(`${site}/`);
    expect(await page.locator('#upcoming-h ~ article h3').textContent()).toBe('Scheduled maintenance of Edge Network');
    await page.context().close();

    await sim.slashCommand({ command: '/change', text: 'start CHG-1', user_id: 'U0DAVE', channel_id: 'C0GENERAL' });
    await settled();
    await until(
      'the maintenance to start',
      async () => (await summary()).scheduled_maintenances[0]?.status === 'in_progress',
    );
    page = await open(`${site}/`);
    expect(await page.locator('#maintenance-h ~ article h3').textContent()).toBe(
      'Scheduled maintenance of Edge Network',
    );
    expect(await page.locator('#c-edge .pill').textContent()).toBe('Under maintenance');
    await page.context().close();
    await screenshots('maintenance');

    await slackForm('U0DAVE', '/change', 'complete CHG-1', {
      outcome: field.select('successful'),
      notes: field.text(null),
    });
    await settled();
    await until('the maintenance to complete', async () => (await summary()).scheduled_maintenances.length === 0);
    page = await open(`${site}/`);
    expect(await page.locator('#maintenance-h').count()).toBe(0);
    expect(await page.locator('#c-edge .pill').textContent()).toBe('Operational');
    const past = page.locator('.history article', { hasText: 'Scheduled maintenance of Edge Network' });
    expect(await past.locator('.meta').last().textContent()).toMatch(/^Completed · /);
    // Today's bar of the edge shows the maintenance, with its text alternative.
    expect(await page.locator('#c-edge .bar').last().getAttribute('class')).toBe('bar st-under_maintenance');
    expect(await page.locator('#c-edge details li').last().textContent()).toMatch(/: under maintenance/);
    await page.context().close();
  });

  it(
    'is accessible (axe), works without JavaScript, loads nothing from elsewhere, and its feeds are well-formed',
    { timeout: 180_000 },
    async () => {
      // The check sees what it forbids: a page with an unlabelled image and illegible text.
      const bad = await browser.newPage();
      await bad.setContent(
        '<html><body><img src="x.png"><p style="color:#eee;background:#fff">faint</p></body></html>',
      );
      const found = (await axe(bad)).violations.map((v) => [v.id, v.impact]);
      expect(found).toEqual(
        expect.arrayContaining([
          ['image-alt', 'critical'],
          ['color-contrast', 'serious'],
        ]),
      );
      await bad.close();
      // The page in every variant; the history and an incident's page (made of the same parts) once.
      const code = (await summary()).incidents[0].id as string;
      const variants = [
        ...Object.entries(VIEWPORTS).flatMap(([width, viewport]) =>
          (['light', 'dark'] as const).map((colorScheme) => ({ width, viewport, colorScheme, url: `${site}/` })),
        ),
        { width: 'desktop', viewport: VIEWPORTS.desktop, colorScheme: 'dark' as const, url: `${site}/history` },
        { width: 'phone', viewport: VIEWPORTS.phone, colorScheme: 'light' as const, url: `${site}/incidents/${code}` },
      ];
      for (const { width, viewport, colorScheme, url } of variants) {
        const page = await open(url, { viewport, colorScheme });
        const { violations, passes } = await axe(page);
        expect(passes, 'rules axe checked and passed').toBeGreaterThan(20);
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious, `${width} ${colorScheme} ${url}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
        await page.context().close();
      }
      const noScript = await open(`${site}/`, { javaScriptEnabled: false, viewport: VIEWPORTS.phone });
      expect(await noScript.locator('#components-h').textContent()).toBe('Components');
      expect(await noScript.locator('.bars').first().getAttribute('aria-label')).toMatch(
        /^Payments: \d+\.\d\d % uptime over the past 90 days, 1 day with outages or maintenance$/,
      );
      await noScript.context().close();
      for (const feed of ['history.rss', 'history.atom']) {
        const xml = await (await fetch(`${site}/${feed}`)).text();
        const page = await open(`${site}/`);
        const parsed = await page.evaluate((text) => {
          const doc = new DOMParser().parseFromString(text, 'application/xml');
          return {
            error: doc.querySelector('parsererror')?.textContent ?? null,
            entries: doc.querySelectorAll('item, entry').length,
          };
        }, xml);
        expect(parsed, feed).toEqual({ error: null, entries: expect.any(Number) });
        expect(parsed.entries).toBeGreaterThanOrEqual(5);
        expect(xml).toContain('A fix is rolling out; payments are recovering.');
        await page.context().close();
      }
      writeFileSync(path.join(shots, 'problems.txt'), problems.join('\n'));
      expect(problems).toEqual([]);
    },
  );
});
