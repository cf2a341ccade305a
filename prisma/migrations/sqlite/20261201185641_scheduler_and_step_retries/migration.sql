-- AlterTable
ALTER TABLE "oncall_override" ADD COLUMN "cancelled_at" DATETIME;
ALTER TABLE "oncall_override" ADD COLUMN "cancelled_by" TEXT;

-- CreateTable
CREATE TABLE "job_run" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job" TEXT NOT NULL,
    "occurrence" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "late" BOOLEAN NOT NULL,
    "claimed_by" TEXT NOT NULL,
    "claimed_at" DATETIME NOT NULL,
    "done_at" DATETIME,
    "error" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_page_step" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "page_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "level" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "due_at" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "fired_at" DATETIME,
    "fired_by" TEXT,
    "targets" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    CONSTRAINT "page_step_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "page" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_page_step" ("due_at", "fired_at", "fired_by", "id", "kind", "level", "page_id", "round", "seq", "state", "targets") SELECT "due_at", "fired_at", "fired_by", "id", "kind", "level", "page_id", "round", "seq", "state", "targets" FROM "page_step";
DROP TABLE "page_step";
ALTER TABLE "new_page_step" RENAME TO "page_step";
CREATE INDEX "page_step_state_due_at_idx" ON "page_step"("state", "due_at");
CREATE UNIQUE INDEX "page_step_page_id_seq_key" ON "page_step"("page_id", "seq");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "job_run_job_occurrence_key" ON "job_run"("job", "occurrence");
