-- AlterTable
ALTER TABLE "finding" ADD COLUMN "overdue_for" DATETIME;
ALTER TABLE "finding" ADD COLUMN "reminded_for" DATETIME;

-- CreateTable
CREATE TABLE "patch_digest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "team" TEXT NOT NULL,
    "occurrence" DATETIME NOT NULL,
    "late" BOOLEAN NOT NULL,
    "overdue" INTEGER NOT NULL,
    "summary" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "patch_message" (
    "send_key" TEXT NOT NULL PRIMARY KEY,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "patch_digest_team_at_idx" ON "patch_digest"("team", "at");

-- CreateIndex
CREATE UNIQUE INDEX "patch_digest_team_occurrence_key" ON "patch_digest"("team", "occurrence");

-- CreateIndex
CREATE INDEX "finding_state_overdue_for_deadline_idx" ON "finding"("state", "overdue_for", "deadline");

-- CreateIndex
CREATE INDEX "finding_service_id_state_deadline_severity_excepted_until_first_seen_at_idx" ON "finding"("service_id", "state", "deadline", "severity", "excepted_until", "first_seen_at");
