ALTER TABLE "scheduled_payments" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "scheduled_payments" ADD COLUMN "attempt_payment_method_id" text;--> statement-breakpoint
CREATE INDEX "scheduled_payments_claimed" ON "scheduled_payments" USING btree ("organization_id","claimed_at") WHERE status = 'processing';