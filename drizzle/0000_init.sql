CREATE TABLE "accounts" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"owner_name" text NOT NULL,
	"owner_email" text NOT NULL,
	"locale" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "accounts_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "audit_log_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "failed_transactions" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"payment_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"payment_method_id" text,
	"payment_method_type" text NOT NULL,
	"reason_code" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"representments" integer DEFAULT 0 NOT NULL,
	"first_failed_at" timestamp with time zone NOT NULL,
	"failed_at" timestamp with time zone NOT NULL,
	"original_at" timestamp with time zone NOT NULL,
	"scheduled_payment_id" text,
	"invoice_id" text,
	"refunded_document_id" text,
	"last_transaction_id" text,
	"retry_requested_at" timestamp with time zone,
	"retry_requested_by" text,
	"resolved_at" timestamp with time zone,
	"ignored_at" timestamp with time zone,
	"ignored_by" text,
	"ignore_note" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "failed_transactions_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_clock" (
	"id" integer PRIMARY KEY NOT NULL,
	"offset_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_gateway_operations" (
	"organization_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"token" text NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"gateway_ref" text NOT NULL,
	"return_code" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sandbox_gateway_operations_organization_id_idempotency_key_pk" PRIMARY KEY("organization_id","idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "sandbox_merchant" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"balance_minor" bigint NOT NULL,
	"charges" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_next_outcomes" (
	"organization_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"outcome" text NOT NULL,
	CONSTRAINT "sandbox_next_outcomes_organization_id_payment_method_id_pk" PRIMARY KEY("organization_id","payment_method_id")
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"purpose" text NOT NULL,
	"status" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"payment_method_id" text,
	"gateway_ref" text,
	"failure_code" text,
	"idempotency_key" text NOT NULL,
	"scheduled_payment_id" text,
	"failed_transaction_id" text,
	"document_id" text,
	"for_invoice_id" text,
	"refunded_document_id" text,
	"presented_date" date,
	"created_at" timestamp with time zone NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "transactions_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "allocations" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"credit_id" text NOT NULL,
	"debit_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"batch_id" text,
	"source" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "allocations_organization_id_id_pk" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "allocations_amount_positive" CHECK ("allocations"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"side" text NOT NULL,
	"status" text DEFAULT 'posted' NOT NULL,
	"amount_minor" bigint NOT NULL,
	"open_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"date" date NOT NULL,
	"reference" text,
	"description" text,
	"method" text,
	"payment_method_id" text,
	"for_invoice_id" text,
	"refunded_document_id" text,
	"transaction_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "documents_organization_id_id_pk" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "documents_amount_positive" CHECK ("documents"."amount_minor" > 0 and "documents"."amount_minor" <= 1000000000000),
	CONSTRAINT "documents_open_in_range" CHECK ("documents"."open_minor" >= 0 and "documents"."open_minor" <= "documents"."amount_minor"),
	CONSTRAINT "documents_side_matches_kind" CHECK (("documents"."side" = 'debit') = ("documents"."kind" in ('invoice', 'refund')))
);
--> statement-breakpoint
CREATE TABLE "reconciliation_batches" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text,
	CONSTRAINT "reconciliation_batches_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "digest_runs" (
	"organization_id" text NOT NULL,
	"local_date" date NOT NULL,
	"failures" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "digest_runs_organization_id_local_date_pk" PRIMARY KEY("organization_id","local_date")
);
--> statement-breakpoint
CREATE TABLE "emails" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"kind" text NOT NULL,
	"to" text NOT NULL,
	"locale" text NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"subject_type" text,
	"subject_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "emails_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"contact_email" text,
	"billing_contact_user_id" text,
	"timezone" text DEFAULT 'America/Toronto' NOT NULL,
	"locale" text DEFAULT 'fr-CA' NOT NULL,
	"currency" text DEFAULT 'CAD' NOT NULL,
	"logo" "bytea",
	"logo_mime" text,
	"logo_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"type" text NOT NULL,
	"brand" text,
	"bank_name" text,
	"holder_name" text,
	"last4" text NOT NULL,
	"exp_month" integer,
	"exp_year" integer,
	"gateway_token" text NOT NULL,
	"in_wallet" boolean DEFAULT false NOT NULL,
	"expiry_reminder_sent_at" timestamp with time zone,
	"expiry_reminder_for" text,
	"last_reminder_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payment_methods_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "account_reconciliation" (
	"organization_id" text NOT NULL,
	"account_id" text NOT NULL,
	"owner_name" text NOT NULL,
	"owner_sort" text COLLATE "C" NOT NULL,
	"debit_count" integer DEFAULT 0 NOT NULL,
	"debit_minor" bigint DEFAULT 0 NOT NULL,
	"credit_count" integer DEFAULT 0 NOT NULL,
	"credit_minor" bigint DEFAULT 0 NOT NULL,
	"items" integer GENERATED ALWAYS AS (debit_count + credit_count) STORED,
	"balance_rank" integer GENERATED ALWAYS AS (case when debit_minor = credit_minor then 0 else 1 end) STORED,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "account_reconciliation_organization_id_account_id_pk" PRIMARY KEY("organization_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"state" text NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"params" text,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "job_runs_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "installment_plans" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"invoice_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "installment_plans_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "scheduled_payments" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"source" text NOT NULL,
	"subscription_id" text,
	"installment_plan_id" text,
	"invoice_id" text,
	"due_date" date NOT NULL,
	"amount_minor" bigint NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "scheduled_payments_organization_id_id_pk" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "scheduled_payments_amount_positive" CHECK ("scheduled_payments"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"interval" text NOT NULL,
	"start_date" date NOT NULL,
	"anchor_day" integer NOT NULL,
	"payment_method_id" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "subscriptions_organization_id_id_pk" PRIMARY KEY("organization_id","id"),
	CONSTRAINT "subscriptions_amount_positive" CHECK ("subscriptions"."amount_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "auth_tokens" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"token_hash" text NOT NULL,
	"csrf_token" text,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "auth_tokens_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"locale" text,
	"failed_transactions_digest" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "users_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"organization_id" text NOT NULL,
	"key" text NOT NULL,
	"route" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"body" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_organization_id_key_route_pk" PRIMARY KEY("organization_id","key","route")
);
--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD CONSTRAINT "failed_transactions_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_organization_id_credit_id_documents_organization_id_id_fk" FOREIGN KEY ("organization_id","credit_id") REFERENCES "public"."documents"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_organization_id_debit_id_documents_organization_id_id_fk" FOREIGN KEY ("organization_id","debit_id") REFERENCES "public"."documents"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_batches" ADD CONSTRAINT "reconciliation_batches_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installment_plans" ADD CONSTRAINT "installment_plans_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_payments" ADD CONSTRAINT "scheduled_payments_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_owner_name" ON "accounts" USING btree ("organization_id",lower("owner_name"),"id");--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("organization_id","at","id");--> statement-breakpoint
CREATE INDEX "failed_transactions_list" ON "failed_transactions" USING btree ("organization_id","failed_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE status in ('open', 'retrying');--> statement-breakpoint
CREATE INDEX "failed_transactions_by_type" ON "failed_transactions" USING btree ("organization_id","type","failed_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE status in ('open', 'retrying');--> statement-breakpoint
CREATE INDEX "failed_transactions_by_method" ON "failed_transactions" USING btree ("organization_id","payment_method_type","failed_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE status in ('open', 'retrying');--> statement-breakpoint
CREATE INDEX "failed_transactions_by_reason" ON "failed_transactions" USING btree ("organization_id","reason_code","failed_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE status in ('open', 'retrying');--> statement-breakpoint
CREATE INDEX "failed_transactions_recent" ON "failed_transactions" USING btree ("organization_id","first_failed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "failed_transactions_scheduled_once" ON "failed_transactions" USING btree ("organization_id","scheduled_payment_id") WHERE scheduled_payment_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_idempotency" ON "transactions" USING btree ("organization_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "transactions_pending" ON "transactions" USING btree ("organization_id","presented_date") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "transactions_account" ON "transactions" USING btree ("organization_id","account_id","created_at");--> statement-breakpoint
CREATE INDEX "transactions_failed_entry" ON "transactions" USING btree ("organization_id","failed_transaction_id");--> statement-breakpoint
CREATE INDEX "allocations_credit" ON "allocations" USING btree ("organization_id","credit_id");--> statement-breakpoint
CREATE INDEX "allocations_debit" ON "allocations" USING btree ("organization_id","debit_id");--> statement-breakpoint
CREATE INDEX "allocations_batch" ON "allocations" USING btree ("organization_id","batch_id");--> statement-breakpoint
CREATE INDEX "allocations_account" ON "allocations" USING btree ("organization_id","account_id","created_at","id");--> statement-breakpoint
CREATE INDEX "documents_account" ON "documents" USING btree ("organization_id","account_id","date","created_at","id");--> statement-breakpoint
CREATE INDEX "documents_pending_for_invoice" ON "documents" USING btree ("organization_id","for_invoice_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "documents_refunded" ON "documents" USING btree ("organization_id","refunded_document_id") WHERE refunded_document_id is not null;--> statement-breakpoint
CREATE INDEX "documents_open" ON "documents" USING btree ("organization_id","account_id","side","date","created_at","id") WHERE open_minor > 0 and status = 'posted';--> statement-breakpoint
CREATE UNIQUE INDEX "emails_dedupe" ON "emails" USING btree ("organization_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "emails_created" ON "emails" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "payment_methods_account" ON "payment_methods" USING btree ("organization_id","account_id");--> statement-breakpoint
CREATE INDEX "payment_methods_expiry" ON "payment_methods" USING btree ("organization_id","exp_year","exp_month") WHERE type = 'card' and in_wallet;--> statement-breakpoint
CREATE INDEX "account_reconciliation_ra4" ON "account_reconciliation" USING btree ("organization_id","balance_rank","items","owner_sort","account_id") WHERE debit_count > 0 and credit_count > 0;--> statement-breakpoint
CREATE INDEX "installment_plans_method" ON "installment_plans" USING btree ("organization_id","payment_method_id");--> statement-breakpoint
CREATE INDEX "scheduled_payments_account" ON "scheduled_payments" USING btree ("organization_id","account_id","due_date");--> statement-breakpoint
CREATE INDEX "scheduled_payments_due" ON "scheduled_payments" USING btree ("organization_id","due_date","id") WHERE status = 'scheduled';--> statement-breakpoint
CREATE INDEX "scheduled_payments_invoice" ON "scheduled_payments" USING btree ("organization_id","invoice_id");--> statement-breakpoint
CREATE INDEX "scheduled_payments_subscription" ON "scheduled_payments" USING btree ("organization_id","subscription_id");--> statement-breakpoint
CREATE INDEX "scheduled_payments_plan" ON "scheduled_payments" USING btree ("organization_id","installment_plan_id");--> statement-breakpoint
CREATE INDEX "subscriptions_method" ON "subscriptions" USING btree ("organization_id","payment_method_id");--> statement-breakpoint
CREATE UNIQUE INDEX "auth_tokens_hash_unique" ON "auth_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "auth_tokens_user" ON "auth_tokens" USING btree ("organization_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_unique" ON "users" USING btree (lower("email"));