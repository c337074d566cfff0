CREATE TABLE "dunning_pauses" (
	"organization_id" text NOT NULL,
	"account_id" text NOT NULL,
	"until_date" date NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	CONSTRAINT "dunning_pauses_organization_id_account_id_pk" PRIMARY KEY("organization_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "retry_policies" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "next_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "automatic_retries_left" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "automatic_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "retry_origin" text;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "recovered_by" text;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "rescheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "failed_transactions" ADD COLUMN "rescheduled_by" text;--> statement-breakpoint
ALTER TABLE "dunning_pauses" ADD CONSTRAINT "dunning_pauses_organization_id_account_id_accounts_organization_id_id_fk" FOREIGN KEY ("organization_id","account_id") REFERENCES "public"."accounts"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dunning_pauses_ends" ON "dunning_pauses" USING btree ("organization_id","ends_at");--> statement-breakpoint
CREATE INDEX "failed_transactions_retry_due" ON "failed_transactions" USING btree ("organization_id","next_retry_at","id") WHERE status = 'open' and next_retry_at is not null;