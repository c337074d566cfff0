CREATE TABLE "card_upcoming_payments" (
	"organization_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"account_id" text NOT NULL,
	"owner_name" text COLLATE "C" NOT NULL,
	"exp_year" integer NOT NULL,
	"exp_month" integer NOT NULL,
	"upcoming_count" integer NOT NULL,
	"next_date" date NOT NULL,
	"next_amount_minor" bigint NOT NULL,
	"at_risk_minor" bigint NOT NULL,
	CONSTRAINT "card_upcoming_payments_organization_id_payment_method_id_pk" PRIMARY KEY("organization_id","payment_method_id")
);
--> statement-breakpoint
CREATE INDEX "card_upcoming_payments_list" ON "card_upcoming_payments" USING btree ("organization_id","exp_year","exp_month","next_date","owner_name","payment_method_id");--> statement-breakpoint
CREATE INDEX "card_upcoming_payments_account" ON "card_upcoming_payments" USING btree ("organization_id","account_id");