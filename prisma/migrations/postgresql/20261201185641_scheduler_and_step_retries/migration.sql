-- AlterTable
ALTER TABLE "oncall_override" ADD COLUMN     "cancelled_at" TIMESTAMP(3),
ADD COLUMN     "cancelled_by" TEXT;

-- AlterTable
ALTER TABLE "page_step" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "last_error" TEXT;

-- CreateTable
CREATE TABLE "job_run" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "occurrence" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "late" BOOLEAN NOT NULL,
    "claimed_by" TEXT NOT NULL,
    "claimed_at" TIMESTAMP(3) NOT NULL,
    "done_at" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "job_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "job_run_job_occurrence_key" ON "job_run"("job", "occurrence");
