// Runs the real Prometheus Alertmanager (the Debian `prometheus-alertmanager` binary) for alert
// ingestion tests: a config with a webhook and/or PagerDuty Events v2 receiver written to a fresh
// temp dir, clustering off, listening on a random 127.0.0.1 port. Tests fire and resolve alerts
// through its v2 API and see what it sends to their receivers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { stringify } from 'yaml';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** Whether the Alertmanager binary is installed and executable. */
export function alertmanagerAvailable(): boolean {
  try {
    accessSync(ALERTMANAGER_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Declares a suite that needs the Alertmanager binary: left out with a warning when it is not
 * installed, failing instead when STEWARD_REQUIRE_ALERTMANAGER=1 (as .ci/run sets).
 */
export function describeAlertmanager(title: string, body: () => void): void {
  if (alertmanagerAvailable()) {
    describe(title, body);
  } else if (process.env.STEWARD_REQUIRE_ALERTMANAGER === '1') {
    describe(title, () => {
      it('needs the Alertmanager binary (STEWARD_REQUIRE_ALERTMANAGER=1)', () => {
        throw new Error(
          `${ALERTMANAGER_BIN} not found and STEWARD_REQUIRE_ALERTMANAGER=1: apt-get install prometheus-alertmanager`,
        );
      });
    });
  } else {
    // As describePg does: nothing is declared, and the run says why.
    console.warn(`${ALERTMANAGER_BIN} not found: skipping "${title}"`);
  }
}

export interface AlertmanagerOptions {
  /** A webhook_configs receiver (send_resolved: true) posting here. */
  webhookUrl?: string;
  /** Bearer token the webhook receiver sends (http_config.authorization.credentials). */
  webhookToken?: string;
  /** A pagerduty_configs receiver (Events v2) posting to `url` (e.g. Steward's /v2/enqueue). */
  pagerduty?: { url: string; routingKey: string };
  /** Default ['alertname', 'service']. */
  groupBy?: string[];
  /** Default '1s'. */
  groupWait?: string;
  /** Default '1s'. */
  groupInterval?: string;
  /** Default '1h'. */
  repeatInterval?: string;
}

export interface AlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface Alertmanager {
  /** Base URL, e.g. http://127.0.0.1:40123 (also its --web.external-url). */
  readonly url: string;
  /** POST /api/v2/alerts with these alerts. */
  fire(alerts: AlertInput[]): Promise<void>;
  /** Posts the alerts last fired with these label sets again, with endsAt = now. */
  resolve(labels: Record<string, string>[]): Promise<void>;
  /** SIGTERM (SIGKILL after 3 s), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
}

/** A port free right now on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The alertmanager.yml for these options: one receiver holding every configured integration. */
export function alertmanagerConfig(opts: AlertmanagerOptions): string {
  const receiver: Record<string, unknown> = { name: 'steward' };
  if (opts.webhookUrl) {
    receiver.webhook_configs = [
      {
        url: opts.webhookUrl,
        send_resolved: true,
        ...(opts.webhookToken
          ? { http_config: { authorization: { type: 'Bearer', credentials: opts.webhookToken } } }
          : {}),
      },
    ];
  }
  if (opts.pagerduty) {
    receiver.pagerduty_configs = [
      { url: opts.pagerduty.url, routing_key: opts.pagerduty.routingKey, send_resolved: true },
    ];
  }
  return stringify({
    route: {
      receiver: 'steward',
      group_by: opts.groupBy ?? ['alertname', 'service'],
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '1s',
      repeat_interval: opts.repeatInterval ?? '1h',
    },
    receivers: [receiver],
  });
}

// Processes still running when the test process exits are killed, so none outlive a failed test.
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((c) => c.kill('SIGKILL')));

const labelKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Starts Alertmanager and waits until GET /-/ready answers 200 (or throws with its output). */
export async function startAlertmanager(opts: AlertmanagerOptions = {}, timeoutMs = 15_000): Promise<Alertmanager> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig(opts));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: dir } },
  );
  running.add(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  let exited: string | undefined;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = `exited (code ${code}, signal ${signal})`;
    running.delete(child);
  });
  child.on('error', (e) => (exited = `failed to start: ${e.message}`));

  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`Alertmanager ${exited} before it was ready:\n${output}`);
    }
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager not ready at ${url} after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const fired = new Map<string, AlertInput>();
  const post = async (alerts: AlertInput[]) => {
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    if (res.status !== 200) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
  };

  return {
    url,
    logs: () => output,
    stop,
    async fire(alerts) {
      await post(alerts);
      for (const a of alerts) fired.set(labelKey(a.labels), a);
    },
    async resolve(labels) {
      const endsAt = new Date().toISOString();
      await post(labels.map((l) => ({ ...(fired.get(labelKey(l)) ?? { labels: l }), endsAt })));
    },
  };
}
