// Calendar job occurrences: the unique (job, occurrence) row is the claim. ON CONFLICT DO NOTHING
// turns a second claim into "0 rows" (an error would abort an enclosing PostgreSQL transaction).
import type { JobRunRepo } from '../core/jobs/ports.js';
import type { Queryable } from './client.js';

export class PrismaJobRunRepo implements JobRunRepo {
  constructor(private readonly db: Queryable) {}

  async claim(job: string, occurrence: Date, holder: string, late: boolean, now: Date): Promise<boolean> {
    const inserted = await this.db.$executeRaw`
      INSERT INTO "job_run" ("job", "occurrence", "state", "late", "claimed_by", "claimed_at")
      VALUES (${job}, ${occurrence}, 'running', ${late}, ${holder}, ${now})
      ON CONFLICT ("job", "occurrence") DO NOTHING`;
    return inserted > 0;
  }

  async finish(job: string, occurrence: Date, state: 'done' | 'failed', error: string | null, at: Date): Promise<void> {
    await this.db.jobRun.updateMany({ where: { job, occurrence }, data: { state, error, doneAt: at } });
  }

  async latest(job: string): Promise<Date | null> {
    const row = await this.db.jobRun.findFirst({
      where: { job },
      orderBy: { occurrence: 'desc' },
      select: { occurrence: true },
    });
    return row?.occurrence ?? null;
  }
}
