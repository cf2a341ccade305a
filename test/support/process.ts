// Runs Steward as a real child process (`node --import tsx src/main.ts`), as `npm start` does.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

const root = new URL('../../', import.meta.url).pathname;

export interface StewardProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout/stderr text matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnSteward(
  entry: 'src/main.ts' | 'src/cli.ts',
  args: string[],
  env: Record<string, string>,
): StewardProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', PORT: '0', ...env },
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    out += d;
    waiters.forEach((w) => w());
  });
  child.stderr.on('data', (d) => {
    err += d;
    waiters.forEach((w) => w());
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out) ?? re.exec(err);
          if (m) {
            resolve(m[0]);
            return true;
          }
          return false;
        };
        if (check()) return;
        const t = setTimeout(
          () => reject(new Error(`timed out waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        waiters.push(() => {
          if (check()) clearTimeout(t);
        });
      });
    },
  };
}

export async function runCli(args: string[], env: Record<string, string>) {
  const p = spawnSteward('src/cli.ts', args, env);
  p.child.stdin.end();
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
