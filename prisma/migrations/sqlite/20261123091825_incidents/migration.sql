-- CreateTable
CREATE TABLE "counter" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "incident" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" INTEGER NOT NULL,
    "declare_key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "service_id" TEXT,
    "summary" TEXT NOT NULL,
    "declared_by" TEXT NOT NULL,
    "declared_platform" TEXT NOT NULL,
    "declared_user_id" TEXT NOT NULL,
    "declared_channel" TEXT,
    "page_oncall" BOOLEAN NOT NULL,
    "declared_at" DATETIME NOT NULL,
    "acknowledged_at" DATETIME,
    "mitigated_at" DATETIME,
    "resolved_at" DATETIME,
    "resolution" TEXT,
    "postmortem" TEXT,
    "roles" TEXT NOT NULL,
    "war_room_platform" TEXT NOT NULL,
    "war_room_channel" TEXT,
    "war_room_name" TEXT,
    "war_room_state" TEXT NOT NULL,
    "war_room_error" TEXT,
    "version" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "timeline_entry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "incident_id" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "kind" TEXT NOT NULL,
    "actor_person" TEXT,
    "actor_name" TEXT,
    "text" TEXT NOT NULL,
    "data" TEXT,
    "dedupe_key" TEXT,
    CONSTRAINT "timeline_entry_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "incident_message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "incident_id" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "thread_id" TEXT,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "incident_message_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "outbox_item" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "due_at" DATETIME NOT NULL,
    "locked_by" TEXT,
    "locked_until" DATETIME,
    "last_error" TEXT,
    "created_at" DATETIME NOT NULL,
    "done_at" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "incident_number_key" ON "incident"("number");

-- CreateIndex
CREATE UNIQUE INDEX "incident_declare_key_key" ON "incident"("declare_key");

-- CreateIndex
CREATE INDEX "incident_status_idx" ON "incident"("status");

-- CreateIndex
CREATE INDEX "incident_war_room_platform_war_room_channel_idx" ON "incident"("war_room_platform", "war_room_channel");

-- CreateIndex
CREATE INDEX "timeline_entry_incident_id_at_idx" ON "timeline_entry"("incident_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "timeline_entry_incident_id_dedupe_key_key" ON "timeline_entry"("incident_id", "dedupe_key");

-- CreateIndex
CREATE INDEX "incident_message_incident_id_idx" ON "incident_message"("incident_id");

-- CreateIndex
CREATE UNIQUE INDEX "incident_message_platform_channel_id_message_id_key" ON "incident_message"("platform", "channel_id", "message_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_item_key_key" ON "outbox_item"("key");

-- CreateIndex
CREATE INDEX "outbox_item_state_due_at_idx" ON "outbox_item"("state", "due_at");
