-- CreateTable
CREATE TABLE "exception" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "finding_id" INTEGER NOT NULL,
    "service_id" TEXT NOT NULL,
    "justification" TEXT NOT NULL,
    "until" DATETIME NOT NULL,
    "requirements" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "requested_platform" TEXT NOT NULL,
    "requested_user_id" TEXT NOT NULL,
    "requested_at" DATETIME NOT NULL,
    "decided_at" DATETIME,
    "expired_at" DATETIME,
    "version" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "exception_decision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "exception_id" INTEGER NOT NULL,
    "person_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "platform" TEXT NOT NULL,
    "platform_user_id" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    CONSTRAINT "exception_decision_exception_id_fkey" FOREIGN KEY ("exception_id") REFERENCES "exception" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "exception_message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "exception_id" INTEGER NOT NULL,
    "send_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "person_id" TEXT,
    "platform" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "exception_message_exception_id_fkey" FOREIGN KEY ("exception_id") REFERENCES "exception" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
