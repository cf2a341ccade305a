-- CreateTable
CREATE TABLE "oncall_override" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "schedule_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "starts_at" DATETIME NOT NULL,
    "ends_at" DATETIME NOT NULL,
    "covers" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "page" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "service_id" TEXT,
    "person_id" TEXT,
    "incident_number" INTEGER,
    "message" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "created_by" TEXT,
    "created_platform" TEXT NOT NULL,
    "created_user_id" TEXT,
    "created_at" DATETIME NOT NULL,
    "step_seq" INTEGER NOT NULL,
    "notified" TEXT NOT NULL,
    "exhausted_at" DATETIME,
    "ack_by" TEXT,
    "ack_platform" TEXT,
    "ack_at" DATETIME,
    "resolved_by" TEXT,
    "resolved_at" DATETIME,
    "version" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "page_step" (
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
    CONSTRAINT "page_step_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "page" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "page_message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "page_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "page_message_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "page" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "oncall_override_schedule_id_ends_at_idx" ON "oncall_override"("schedule_id", "ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "page_number_key" ON "page"("number");

-- CreateIndex
CREATE UNIQUE INDEX "page_key_key" ON "page"("key");

-- CreateIndex
CREATE INDEX "page_status_idx" ON "page"("status");

-- CreateIndex
CREATE INDEX "page_incident_number_idx" ON "page"("incident_number");

-- CreateIndex
CREATE INDEX "page_step_state_due_at_idx" ON "page_step"("state", "due_at");

-- CreateIndex
CREATE UNIQUE INDEX "page_step_page_id_seq_key" ON "page_step"("page_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "page_message_send_key_key" ON "page_message"("send_key");

-- CreateIndex
CREATE INDEX "page_message_page_id_idx" ON "page_message"("page_id");
