// Baseline: a bare Bolt app that only acknowledges /service (what any Bolt bot costs at minimum).
import bolt from '@slack/bolt';

const [port, secret, apiUrl] = process.argv.slice(2);
const app = new bolt.App({
  token: 'xoxb-bench',
  signingSecret: secret,
  logLevel: bolt.LogLevel.ERROR,
  clientOptions: { slackApiUrl: apiUrl },
});
app.command('/service', async ({ ack }) => {
  await ack();
});
await app.start(Number(port));
process.stdout.write('ready\n');
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
