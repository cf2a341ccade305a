-- CreateTable
CREATE TABLE "status_page" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "changed_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "status_event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "incident_number" INTEGER,
    "change_number" INTEGER,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "impact" TEXT NOT NULL,
    "components" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "monitoring_at" DATETIME,
    "resolved_at" DATETIME,
    "scheduled_for" DATETIME,
    "scheduled_until" DATETIME,
    "visible_from" DATETIME NOT NULL,
    "withdrawn_at" DATETIME,
    "version" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "status_update" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "event_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "display_at" DATETIME NOT NULL,
    CONSTRAINT "status_update_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "status_event" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "status_component" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "manual" TEXT,
    "status" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "status_period" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "component_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" DATETIME NOT NULL,
    "ended_at" DATETIME
);

-- CreateTable
CREATE TABLE "status_message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "event_id" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "status_message_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "status_event" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
