-- CreateTable
CREATE TABLE "form_draft" (
    "nonce" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "field_values" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "form_draft_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE INDEX "form_draft_created_at_idx" ON "form_draft"("created_at");
