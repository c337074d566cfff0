-- Custom migration: card_upcoming_payments (expiring cards, EC1–EC3) is no longer kept by triggers. The
-- billing core's write paths report what they changed (ScheduledPayments.cardScheduleChanged, the payment
-- methods' and accounts' change hooks) and the expiring-cards module recomputes those cards' rows in the same
-- transaction (src/modules/expiring-cards/card-summary.ts), as reconciliation does for its summary.
DROP TRIGGER IF EXISTS ec_scheduled_payments ON scheduled_payments;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ec_subscriptions ON subscriptions;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ec_installment_plans ON installment_plans;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ec_payment_methods ON payment_methods;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ec_accounts ON accounts;
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_scheduled_payment_changed();
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_schedule_method_changed();
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_payment_method_changed();
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_account_renamed();
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_method_of(text, text, text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_refresh_card(text, text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS ec_rebuild_card_summary(text);
