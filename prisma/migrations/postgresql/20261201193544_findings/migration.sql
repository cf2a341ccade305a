-- CreateTable
CREATE TABLE "finding" (
    "id" SERIAL NOT NULL,
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
    "cvss" DOUBLE PRECISION,
    "cvss_vector" TEXT,
    "known_exploited" BOOLEAN NOT NULL,
    "reported_exploited" BOOLEAN NOT NULL,
    "kev_due_date" TIMESTAMP(3),
    "epss" DOUBLE PRECISION,
    "location" TEXT NOT NULL,
    "title" TEXT,
    "url" TEXT,
    "remediation" TEXT,
    "state" TEXT NOT NULL,
    "justification" TEXT,
    "scanners" TEXT NOT NULL,
    "first_seen_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    "fixed_at" TIMESTAMP(3),
    "deadline" TIMESTAMP(3),
    "excepted_until" TIMESTAMP(3),
    "digest" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "finding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finding_service" (
    "service_id" TEXT NOT NULL,
    "imports" INTEGER NOT NULL,
    "last_import_at" TIMESTAMP(3),

    CONSTRAINT "finding_service_pkey" PRIMARY KEY ("service_id")
);

-- CreateTable
CREATE TABLE "finding_import" (
    "id" SERIAL NOT NULL,
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
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "finding_import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finding_event" (
    "id" SERIAL NOT NULL,
    "finding_id" INTEGER NOT NULL,
    "import_id" INTEGER,
    "kind" TEXT NOT NULL,
    "detail" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "finding_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kev_entry" (
    "cve_id" TEXT NOT NULL,
    "date_added" TIMESTAMP(3) NOT NULL,
    "due_date" TIMESTAMP(3) NOT NULL,
    "ransomware" BOOLEAN NOT NULL,
    "vendor" TEXT,
    "product" TEXT,
    "name" TEXT,
    "imported_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "kev_entry_pkey" PRIMARY KEY ("cve_id")
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
