-- CreateTable
CREATE TABLE "finding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "service_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "vuln_id" TEXT NOT NULL,
    "aliases" TEXT NOT NULL,
    "package_name" TEXT NOT NULL,
    "ecosystem" TEXT NOT NULL,
    "purl" TEXT,
    "installed_version" TEXT NOT NULL,
    "fixed_versions" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "cvss" REAL,
    "cvss_vector" TEXT,
    "known_exploited" BOOLEAN NOT NULL,
    "reported_exploited" BOOLEAN NOT NULL,
    "kev_due_date" DATETIME,
    "epss" REAL,
    "location" TEXT NOT NULL,
    "title" TEXT,
    "url" TEXT,
    "remediation" TEXT,
    "state" TEXT NOT NULL,
    "justification" TEXT,
    "scanners" TEXT NOT NULL,
    "first_seen_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL,
    "fixed_at" DATETIME,
    "deadline" DATETIME,
    "excepted_until" DATETIME,
    "digest" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "finding_service" (
    "service_id" TEXT NOT NULL PRIMARY KEY,
    "imports" INTEGER NOT NULL,
    "last_import_at" DATETIME
);

-- CreateTable
CREATE TABLE "finding_import" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "service_id" TEXT NOT NULL,
    "scanner" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "created" INTEGER NOT NULL,
    "unchanged" INTEGER NOT NULL,
    "changed" INTEGER NOT NULL,
    "fixed" INTEGER NOT NULL,
    "reopened" INTEGER NOT NULL,
    "suppressed" INTEGER NOT NULL,
    "imported_by" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "finding_event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "finding_id" INTEGER NOT NULL,
    "import_id" INTEGER,
    "kind" TEXT NOT NULL,
    "detail" TEXT,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "kev_entry" (
    "cve_id" TEXT NOT NULL PRIMARY KEY,
    "date_added" DATETIME NOT NULL,
    "due_date" DATETIME NOT NULL,
    "ransomware" BOOLEAN NOT NULL,
    "vendor" TEXT,
    "product" TEXT,
    "name" TEXT,
    "imported_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "finding_state_deadline_idx" ON "finding"("state", "deadline");

-- CreateIndex
CREATE INDEX "finding_vuln_id_idx" ON "finding"("vuln_id");

-- CreateIndex
CREATE UNIQUE INDEX "finding_service_id_key_key" ON "finding"("service_id", "key");

-- CreateIndex
CREATE INDEX "finding_import_service_id_at_idx" ON "finding_import"("service_id", "at");

-- CreateIndex
CREATE INDEX "finding_event_finding_id_idx" ON "finding_event"("finding_id");
