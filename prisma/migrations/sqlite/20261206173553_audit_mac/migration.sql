-- AlterTable
ALTER TABLE "audit_entry" ADD COLUMN "mac" TEXT;
