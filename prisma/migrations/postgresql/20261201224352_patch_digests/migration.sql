-- AlterTable
ALTER TABLE "finding" ADD COLUMN     "overdue_for" TIMESTAMP(3),
ADD COLUMN     "reminded_for" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "patch_digest" (
    "id" SERIAL NOT NULL,
    "team" TEXT NOT NULL,
    "occurrence" TIMESTAMP(3) NOT NULL,
    "late" BOOLEAN NOT NULL,
    "overdue" INTEGER NOT NULL,
    "summary" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "patch_digest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patch_message" (
    "send_key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "patch_message_pkey" PRIMARY KEY ("send_key")
);

-- CreateIndex
CREATE INDEX "patch_digest_team_at_idx" ON "patch_digest"("team", "at");

-- CreateIndex
CREATE UNIQUE INDEX "patch_digest_team_occurrence_key" ON "patch_digest"("team", "occurrence");

-- CreateIndex
CREATE INDEX "finding_state_overdue_for_deadline_idx" ON "finding"("state", "overdue_for", "deadline");

-- CreateIndex
CREATE INDEX "finding_service_id_state_deadline_severity_excepted_until_f_idx" ON "finding"("service_id", "state", "deadline", "severity", "excepted_until", "first_seen_at");
