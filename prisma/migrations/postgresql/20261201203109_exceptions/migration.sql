-- CreateTable
CREATE TABLE "exception" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "finding_id" INTEGER NOT NULL,
    "service_id" TEXT NOT NULL,
    "justification" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "requirements" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "requested_platform" TEXT NOT NULL,
    "requested_user_id" TEXT NOT NULL,
    "requested_at" TIMESTAMP(3) NOT NULL,
    "decided_at" TIMESTAMP(3),
    "expired_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "exception_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exception_decision" (
    "id" SERIAL NOT NULL,
    "exception_id" INTEGER NOT NULL,
    "person_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "platform" TEXT NOT NULL,
    "platform_user_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "exception_decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exception_message" (
    "id" SERIAL NOT NULL,
    "exception_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "person_id" TEXT,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "exception_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "exception_number_key" ON "exception"("number");

-- CreateIndex
CREATE UNIQUE INDEX "exception_key_key" ON "exception"("key");

-- CreateIndex
CREATE INDEX "exception_finding_id_idx" ON "exception"("finding_id");

-- CreateIndex
CREATE INDEX "exception_state_until_idx" ON "exception"("state", "until");

-- CreateIndex
CREATE UNIQUE INDEX "exception_decision_exception_id_person_id_key" ON "exception_decision"("exception_id", "person_id");

-- CreateIndex
CREATE UNIQUE INDEX "exception_message_send_key_key" ON "exception_message"("send_key");

-- CreateIndex
CREATE INDEX "exception_message_exception_id_idx" ON "exception_message"("exception_id");

-- AddForeignKey
ALTER TABLE "exception_decision" ADD CONSTRAINT "exception_decision_exception_id_fkey" FOREIGN KEY ("exception_id") REFERENCES "exception"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exception_message" ADD CONSTRAINT "exception_message_exception_id_fkey" FOREIGN KEY ("exception_id") REFERENCES "exception"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
