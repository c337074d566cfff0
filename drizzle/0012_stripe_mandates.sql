CREATE TABLE "stripe_mandates" (
	"organization_id" text NOT NULL,
	"setup_intent_id" text NOT NULL,
	"account_id" text NOT NULL,
	"payment_method_token" text NOT NULL,
	"mandate_id" text,
	"kind" text NOT NULL,
	"locale" text NOT NULL,
	"version" text NOT NULL,
	"text" text NOT NULL,
	"portal_link_id" text,
	"accepted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stripe_mandates_organization_id_setup_intent_id_pk" PRIMARY KEY("organization_id","setup_intent_id")
);
--> statement-breakpoint
CREATE INDEX "stripe_mandates_account" ON "stripe_mandates" USING btree ("organization_id","account_id");