ALTER TABLE "transactions" ADD COLUMN "obligation_id" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "actor_id" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "document_date" date;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "refunded_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "digest_runs" ADD COLUMN "through_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "installment_plans" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "ends_on" date;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
-- Hand-written backfill (before the index and the CHECK that rely on it).
-- MS3: what each payment has refunded, has under way, or failed to refund with its entry still listed.
-- Clamped to the payment's amount: a payment over-refunded before this constraint keeps its history.
UPDATE "documents" d SET "refunded_minor" = LEAST(d."amount_minor", r."total") FROM (
  SELECT organization_id, id, SUM(amount) AS total FROM (
    SELECT organization_id, refunded_document_id AS id, amount_minor AS amount FROM documents
     WHERE kind = 'refund' AND status = 'posted' AND refunded_document_id IS NOT NULL
    UNION ALL
    SELECT organization_id, refunded_document_id, amount_minor FROM transactions
     WHERE kind = 'refund' AND status = 'pending' AND refunded_document_id IS NOT NULL
    UNION ALL
    SELECT organization_id, refunded_document_id, amount_minor FROM failed_transactions
     WHERE type = 'refund' AND status IN ('open', 'retrying') AND refunded_document_id IS NOT NULL
  ) x GROUP BY organization_id, id
) r WHERE d.organization_id = r.organization_id AND d.id = r.id AND d.kind = 'payment';--> statement-breakpoint
-- MS1: the latest collecting attempt of each scheduled payment, or of each failed entry without one, names
-- its obligation (an older duplicate, if a race ever made one, keeps no obligation and stays as history).
UPDATE "transactions" t SET "obligation_id" = o.obligation FROM (
  SELECT organization_id, id, obligation, row_number() OVER (
           PARTITION BY organization_id, obligation ORDER BY created_at DESC, id DESC) AS rn
    FROM (SELECT organization_id, id, created_at,
                 COALESCE(scheduled_payment_id, CASE WHEN purpose IN ('retry', 'portal') THEN failed_transaction_id END)
                   AS obligation
            FROM transactions
           WHERE kind <> 'refund' AND status IN ('pending', 'succeeded', 'settled')) c
   WHERE obligation IS NOT NULL
) o WHERE t.organization_id = o.organization_id AND t.id = o.id AND o.rn = 1;--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_collection" ON "transactions" USING btree ("organization_id","obligation_id") WHERE obligation_id is not null and status in ('processing', 'pending', 'succeeded', 'settled');--> statement-breakpoint
CREATE INDEX "transactions_processing" ON "transactions" USING btree ("organization_id","created_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "transactions_in_flight_for_invoice" ON "transactions" USING btree ("organization_id","for_invoice_id") WHERE status in ('processing', 'pending') and for_invoice_id is not null;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_refunded_in_range" CHECK ("documents"."refunded_minor" >= 0 and "documents"."refunded_minor" <= "documents"."amount_minor");