-- CreateTable
CREATE TABLE "change" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "risk" TEXT,
    "window_start" DATETIME NOT NULL,
    "window_end" DATETIME NOT NULL,
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
    "requested_at" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "decided_at" DATETIME,
    "started_at" DATETIME,
    "ended_at" DATETIME,
    "version" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "change_decision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "change_id" INTEGER NOT NULL,
    "person_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "platform" TEXT NOT NULL,
    "platform_user_id" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    CONSTRAINT "change_decision_change_id_fkey" FOREIGN KEY ("change_id") REFERENCES "change" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "change_message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "change_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "person_id" TEXT,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "change_message_change_id_fkey" FOREIGN KEY ("change_id") REFERENCES "change" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
