-- CreateTable
CREATE TABLE "status_page" (
    "id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "status_page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_event" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "incident_number" INTEGER,
    "change_number" INTEGER,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "impact" TEXT NOT NULL,
    "components" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "monitoring_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),
    "scheduled_for" TIMESTAMP(3),
    "scheduled_until" TIMESTAMP(3),
    "visible_from" TIMESTAMP(3) NOT NULL,
    "withdrawn_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL,

    CONSTRAINT "status_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_update" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "event_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "display_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "status_update_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_component" (
    "id" TEXT NOT NULL,
    "manual" TEXT,
    "status" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "status_component_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_period" (
    "id" SERIAL NOT NULL,
    "component_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "status_period_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_message" (
    "id" SERIAL NOT NULL,
    "event_id" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "status_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "status_event_code_key" ON "status_event"("code");

-- CreateIndex
CREATE UNIQUE INDEX "status_event_incident_number_key" ON "status_event"("incident_number");

-- CreateIndex
CREATE UNIQUE INDEX "status_event_change_number_key" ON "status_event"("change_number");

-- CreateIndex
CREATE INDEX "status_event_kind_resolved_at_idx" ON "status_event"("kind", "resolved_at");

-- CreateIndex
CREATE UNIQUE INDEX "status_update_code_key" ON "status_update"("code");

-- CreateIndex
CREATE INDEX "status_update_event_id_idx" ON "status_update"("event_id");

-- CreateIndex
CREATE INDEX "status_period_component_id_ended_at_idx" ON "status_period"("component_id", "ended_at");

-- CreateIndex
CREATE UNIQUE INDEX "status_message_event_id_platform_key" ON "status_message"("event_id", "platform");

-- AddForeignKey
ALTER TABLE "status_update" ADD CONSTRAINT "status_update_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "status_event"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "status_message" ADD CONSTRAINT "status_message_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "status_event"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
