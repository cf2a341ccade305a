-- CreateTable
CREATE TABLE "form_draft" (
    "nonce" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "field_values" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "form_draft_created_at_idx" ON "form_draft"("created_at");
