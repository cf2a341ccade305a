-- CreateTable
CREATE TABLE "alert_group" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "integration" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "labels" TEXT NOT NULL,
    "links" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "suppressed" TEXT,
    "firing" INTEGER NOT NULL,
    "resolved" INTEGER NOT NULL,
    "page_number" INTEGER,
    "page_error" TEXT,
    "ack_by" TEXT,
    "ack_at" TIMESTAMP(3),
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_key" (
    "integration" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "open_group_id" INTEGER,
    "touched_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_key_pkey" PRIMARY KEY ("integration","group_key")
);

-- CreateTable
CREATE TABLE "alert" (
    "id" SERIAL NOT NULL,
    "group_id" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "labels" TEXT NOT NULL,
    "annotations" TEXT NOT NULL,
    "starts_at" TIMESTAMP(3),
    "ends_at" TIMESTAMP(3),
    "url" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_event" (
    "id" SERIAL NOT NULL,
    "group_id" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "alert_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_message" (
    "id" SERIAL NOT NULL,
    "group_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_silence" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "matchers" TEXT NOT NULL,
    "services" TEXT,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "starts_at" TIMESTAMP(3) NOT NULL,
    "ends_at" TIMESTAMP(3) NOT NULL,
    "removed_by" TEXT,
    "removed_at" TIMESTAMP(3),

    CONSTRAINT "alert_silence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_rate" (
    "integration" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "alert_rate_pkey" PRIMARY KEY ("integration","window_start")
);

-- CreateTable
CREATE TABLE "heartbeat" (
    "id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "last_ping_at" TIMESTAMP(3),
    "last_kind" TEXT,
    "started_at" TIMESTAMP(3),
    "next_at" TIMESTAMP(3),
    "paused_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "heartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_change_event" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "integration" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "source" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "links" TEXT NOT NULL,
    "details" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "service_change_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "alert_group_number_key" ON "alert_group"("number");

-- CreateIndex
CREATE INDEX "alert_group_state_service_id_idx" ON "alert_group"("state", "service_id");

-- CreateIndex
CREATE INDEX "alert_group_integration_group_key_idx" ON "alert_group"("integration", "group_key");

-- CreateIndex
CREATE UNIQUE INDEX "alert_group_id_fingerprint_key" ON "alert"("group_id", "fingerprint");

-- CreateIndex
CREATE INDEX "alert_event_group_id_idx" ON "alert_event"("group_id");

-- CreateIndex
CREATE UNIQUE INDEX "alert_message_send_key_key" ON "alert_message"("send_key");

-- CreateIndex
CREATE INDEX "alert_message_group_id_idx" ON "alert_message"("group_id");

-- CreateIndex
CREATE UNIQUE INDEX "alert_silence_number_key" ON "alert_silence"("number");

-- CreateIndex
CREATE INDEX "alert_silence_ends_at_idx" ON "alert_silence"("ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "service_change_event_key_key" ON "service_change_event"("key");

-- CreateIndex
CREATE INDEX "service_change_event_service_id_at_idx" ON "service_change_event"("service_id", "at");

-- AddForeignKey
ALTER TABLE "alert" ADD CONSTRAINT "alert_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_event" ADD CONSTRAINT "alert_event_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_message" ADD CONSTRAINT "alert_message_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
