-- CreateTable
CREATE TABLE "change" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "risk" TEXT,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "details" TEXT NOT NULL,
    "incident_number" INTEGER,
    "rule" TEXT NOT NULL,
    "flags" TEXT NOT NULL,
    "approval" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "outcome" TEXT,
    "requested_by" TEXT NOT NULL,
    "requested_platform" TEXT NOT NULL,
    "requested_user_id" TEXT NOT NULL,
    "requested_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "decided_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_decision" (
    "id" SERIAL NOT NULL,
    "change_id" INTEGER NOT NULL,
    "person_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "platform" TEXT NOT NULL,
    "platform_user_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "change_decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_message" (
    "id" SERIAL NOT NULL,
    "change_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "person_id" TEXT,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "change_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "change_number_key" ON "change"("number");

-- CreateIndex
CREATE UNIQUE INDEX "change_key_key" ON "change"("key");

-- CreateIndex
CREATE INDEX "change_service_id_window_start_idx" ON "change"("service_id", "window_start");

-- CreateIndex
CREATE INDEX "change_approval_expires_at_idx" ON "change"("approval", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "change_decision_change_id_person_id_key" ON "change_decision"("change_id", "person_id");

-- CreateIndex
CREATE UNIQUE INDEX "change_message_send_key_key" ON "change_message"("send_key");

-- CreateIndex
CREATE INDEX "change_message_change_id_idx" ON "change_message"("change_id");

-- AddForeignKey
ALTER TABLE "change_decision" ADD CONSTRAINT "change_decision_change_id_fkey" FOREIGN KEY ("change_id") REFERENCES "change"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_message" ADD CONSTRAINT "change_message_change_id_fkey" FOREIGN KEY ("change_id") REFERENCES "change"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
