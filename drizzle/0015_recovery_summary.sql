-- Recovery analytics (RC7) kept as a summary per local day (issue 12: a year at 100,000 entries in ≤ 50 ms):
-- src/modules/recovery/recovery-summary.ts writes recovery_daily, recovery_daily_durations and
-- recovery_summary_state; the account lock (accounts/account-lock.ts) adds the changed account to
-- recovery_changes. No summary is built here: the first read of an organization builds it.
CREATE TABLE "recovery_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "recovery_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"organization_id" text NOT NULL,
	"account_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recovery_daily" (
	"organization_id" text NOT NULL,
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	"failed_count" integer NOT NULL,
	"failed_amount" bigint NOT NULL,
	"recovered_count" integer NOT NULL,
	"recovered_amount" bigint NOT NULL,
	"path_amount" bigint NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"first_id" text NOT NULL,
	CONSTRAINT "recovery_daily_organization_id_day_dimension_key_pk" PRIMARY KEY("organization_id","day","dimension","key")
);
--> statement-breakpoint
CREATE TABLE "recovery_daily_durations" (
	"organization_id" text NOT NULL,
	"day" date NOT NULL,
	"tenth" bigint NOT NULL,
	"count" integer NOT NULL,
	"min_ms" bigint NOT NULL,
	"max_ms" bigint NOT NULL,
	CONSTRAINT "recovery_daily_durations_organization_id_day_tenth_pk" PRIMARY KEY("organization_id","day","tenth")
);
--> statement-breakpoint
CREATE TABLE "recovery_summary_state" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"rebuilt_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "recovery_changes_organization" ON "recovery_changes" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "failed_transactions_account" ON "failed_transactions" USING btree ("organization_id","account_id");