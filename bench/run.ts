// `npm run bench`: builds Steward, then runs every benchmark in turn and prints its figures.
import { execFileSync } from 'node:child_process';

const root = new URL('../', import.meta.url).pathname;
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
for (const script of [
  'bench/slack-service-list.ts',
  'bench/incident-declare.ts',
  'bench/change-approvals.ts',
  'bench/findings-import.ts',
  'bench/patch-digest.ts',
  'bench/paging-escalation.ts',
  'bench/alert-storm.ts',
  'bench/status-page.ts',
  'bench/backup-restore.ts',
]) {
  console.log(`\n== ${script}`);
  execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: 'inherit' });
}
