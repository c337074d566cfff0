CREATE TABLE "portal_links" (
	"organization_id" text NOT NULL,
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"purpose" text NOT NULL,
	"failed_transaction_id" text,
	"payment_method_id" text,
	"token_hash" text,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "portal_links_organization_id_id_pk" PRIMARY KEY("organization_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_organization_clocks" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"offset_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_throttle" (
	"email_key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "users_email_unique";--> statement-breakpoint
CREATE UNIQUE INDEX "portal_links_token_hash" ON "portal_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "portal_links_account" ON "portal_links" USING btree ("organization_id","account_id");--> statement-breakpoint
CREATE INDEX "portal_links_entry" ON "portal_links" USING btree ("organization_id","failed_transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_org_email_unique" ON "users" USING btree ("organization_id",lower("email"));