-- Custom migration (drizzle-kit generate --custom): keeps card_upcoming_payments (expiring-cards module,
-- EC1–EC3) in step with the billing core's tables, inside the transaction that changes them.
-- A row exists exactly for a card saved in the wallet that pays at least one scheduled payment of a
-- subscription or installment plan currently pointing at it.

-- Recomputes one card's row from the source tables.
CREATE OR REPLACE FUNCTION ec_refresh_card(p_org text, p_pm text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_account text;
  v_owner text;
  v_year integer;
  v_month integer;
  v_after date;
  v_count numeric;
  v_next date;
  v_next_amount numeric;
  v_at_risk numeric;
BEGIN
  IF p_org IS NULL OR p_pm IS NULL THEN
    RETURN;
  END IF;
  -- One refresh of a card at a time: the statements below then see what a concurrent writer committed.
  PERFORM pg_advisory_xact_lock(hashtextextended('card_upcoming:' || p_org || ':' || p_pm, 0));
  SELECT pm.account_id, a.owner_name, pm.exp_year, pm.exp_month
    INTO v_account, v_owner, v_year, v_month
    FROM payment_methods pm
    JOIN accounts a ON a.organization_id = pm.organization_id AND a.id = pm.account_id
    WHERE pm.organization_id = p_org AND pm.id = p_pm AND pm.type = 'card' AND pm.in_wallet
      AND pm.exp_year BETWEEN 1 AND 9998 AND pm.exp_month BETWEEN 1 AND 12;
  IF NOT FOUND THEN
    DELETE FROM card_upcoming_payments WHERE organization_id = p_org AND payment_method_id = p_pm;
    RETURN;
  END IF;
  -- amountAtRisk: what falls due after the last day of the expiry month.
  v_after := (make_date(v_year, v_month, 1) + interval '1 month')::date;
  WITH up AS (
    SELECT sp.due_date, sp.amount_minor
      FROM subscriptions s
      JOIN scheduled_payments sp ON sp.organization_id = s.organization_id AND sp.subscription_id = s.id
      WHERE s.organization_id = p_org AND s.payment_method_id = p_pm AND sp.status = 'scheduled'
    UNION ALL
    SELECT sp.due_date, sp.amount_minor
      FROM installment_plans ip
      JOIN scheduled_payments sp ON sp.organization_id = ip.organization_id AND sp.installment_plan_id = ip.id
      WHERE ip.organization_id = p_org AND ip.payment_method_id = p_pm AND sp.status = 'scheduled'
  ), daily AS (
    SELECT up.due_date, count(*) AS n, sum(up.amount_minor) AS amount FROM up GROUP BY up.due_date
  )
  SELECT sum(daily.n), min(daily.due_date), (array_agg(daily.amount ORDER BY daily.due_date))[1],
         coalesce(sum(daily.amount) FILTER (WHERE daily.due_date >= v_after), 0)
    INTO v_count, v_next, v_next_amount, v_at_risk
    FROM daily;
  IF coalesce(v_count, 0) = 0 THEN
    DELETE FROM card_upcoming_payments WHERE organization_id = p_org AND payment_method_id = p_pm;
    RETURN;
  END IF;
  INSERT INTO card_upcoming_payments (organization_id, payment_method_id, account_id, owner_name, exp_year,
      exp_month, upcoming_count, next_date, next_amount_minor, at_risk_minor)
    VALUES (p_org, p_pm, v_account, v_owner, v_year, v_month, v_count, v_next, v_next_amount, v_at_risk)
    ON CONFLICT (organization_id, payment_method_id) DO UPDATE SET
      account_id = EXCLUDED.account_id, owner_name = EXCLUDED.owner_name, exp_year = EXCLUDED.exp_year,
      exp_month = EXCLUDED.exp_month, upcoming_count = EXCLUDED.upcoming_count,
      next_date = EXCLUDED.next_date, next_amount_minor = EXCLUDED.next_amount_minor,
      at_risk_minor = EXCLUDED.at_risk_minor;
END $$;
--> statement-breakpoint
-- The card a scheduled payment is paid by: the one its subscription or plan has now (never copied).
CREATE OR REPLACE FUNCTION ec_method_of(p_org text, p_sub text, p_plan text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_sub IS NOT NULL THEN
      (SELECT s.payment_method_id FROM subscriptions s WHERE s.organization_id = p_org AND s.id = p_sub)
    WHEN p_plan IS NOT NULL THEN
      (SELECT ip.payment_method_id FROM installment_plans ip WHERE ip.organization_id = p_org AND ip.id = p_plan)
  END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ec_scheduled_payment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_old text;
  v_new text;
BEGIN
  IF TG_OP = 'UPDATE'
    AND NEW.status IS NOT DISTINCT FROM OLD.status
    AND NEW.due_date IS NOT DISTINCT FROM OLD.due_date
    AND NEW.amount_minor IS NOT DISTINCT FROM OLD.amount_minor
    AND NEW.subscription_id IS NOT DISTINCT FROM OLD.subscription_id
    AND NEW.installment_plan_id IS NOT DISTINCT FROM OLD.installment_plan_id THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    v_old := ec_method_of(OLD.organization_id, OLD.subscription_id, OLD.installment_plan_id);
    PERFORM ec_refresh_card(OLD.organization_id, v_old);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    v_new := ec_method_of(NEW.organization_id, NEW.subscription_id, NEW.installment_plan_id);
    IF v_old IS NULL OR v_new IS DISTINCT FROM v_old THEN
      PERFORM ec_refresh_card(NEW.organization_id, v_new);
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ec_schedule_method_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.payment_method_id IS NOT DISTINCT FROM OLD.payment_method_id THEN
    RETURN NULL;
  END IF;
  PERFORM ec_refresh_card(OLD.organization_id, OLD.payment_method_id);
  IF TG_OP = 'UPDATE' THEN
    PERFORM ec_refresh_card(NEW.organization_id, NEW.payment_method_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ec_payment_method_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM card_upcoming_payments WHERE organization_id = OLD.organization_id AND payment_method_id = OLD.id;
    RETURN NULL;
  END IF;
  -- Reminder bookkeeping and the like change nothing that is listed.
  IF NEW.type IS NOT DISTINCT FROM OLD.type AND NEW.in_wallet IS NOT DISTINCT FROM OLD.in_wallet
    AND NEW.exp_year IS NOT DISTINCT FROM OLD.exp_year AND NEW.exp_month IS NOT DISTINCT FROM OLD.exp_month
    AND NEW.account_id IS NOT DISTINCT FROM OLD.account_id THEN
    RETURN NULL;
  END IF;
  PERFORM ec_refresh_card(NEW.organization_id, NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ec_account_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.owner_name IS DISTINCT FROM OLD.owner_name THEN
    UPDATE card_upcoming_payments SET owner_name = NEW.owner_name
      WHERE organization_id = NEW.organization_id AND account_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER ec_scheduled_payments AFTER INSERT OR DELETE OR UPDATE ON scheduled_payments
  FOR EACH ROW EXECUTE FUNCTION ec_scheduled_payment_changed();
--> statement-breakpoint
CREATE TRIGGER ec_subscriptions AFTER DELETE OR UPDATE OF payment_method_id ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION ec_schedule_method_changed();
--> statement-breakpoint
CREATE TRIGGER ec_installment_plans AFTER DELETE OR UPDATE OF payment_method_id ON installment_plans
  FOR EACH ROW EXECUTE FUNCTION ec_schedule_method_changed();
--> statement-breakpoint
CREATE TRIGGER ec_payment_methods AFTER DELETE OR UPDATE ON payment_methods
  FOR EACH ROW EXECUTE FUNCTION ec_payment_method_changed();
--> statement-breakpoint
CREATE TRIGGER ec_accounts AFTER UPDATE OF owner_name ON accounts
  FOR EACH ROW EXECUTE FUNCTION ec_account_renamed();
--> statement-breakpoint
-- Rebuilds the rows of one organization (or all, with NULL) set-based: backfill, benchmark, repair.
CREATE OR REPLACE FUNCTION ec_rebuild_card_summary(p_org text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_rows bigint;
BEGIN
  DELETE FROM card_upcoming_payments WHERE p_org IS NULL OR organization_id = p_org;
  WITH up AS (
    SELECT s.organization_id, s.payment_method_id AS pm_id, sp.due_date, sp.amount_minor
      FROM subscriptions s
      JOIN scheduled_payments sp ON sp.organization_id = s.organization_id AND sp.subscription_id = s.id
      WHERE sp.status = 'scheduled' AND (p_org IS NULL OR s.organization_id = p_org)
    UNION ALL
    SELECT ip.organization_id, ip.payment_method_id, sp.due_date, sp.amount_minor
      FROM installment_plans ip
      JOIN scheduled_payments sp ON sp.organization_id = ip.organization_id AND sp.installment_plan_id = ip.id
      WHERE sp.status = 'scheduled' AND (p_org IS NULL OR ip.organization_id = p_org)
  ), daily AS (
    SELECT up.organization_id, up.pm_id, up.due_date, count(*) AS n, sum(up.amount_minor) AS amount
      FROM up GROUP BY up.organization_id, up.pm_id, up.due_date
  )
  INSERT INTO card_upcoming_payments (organization_id, payment_method_id, account_id, owner_name, exp_year,
      exp_month, upcoming_count, next_date, next_amount_minor, at_risk_minor)
  SELECT pm.organization_id, pm.id, pm.account_id, a.owner_name, pm.exp_year, pm.exp_month,
    sum(d.n), min(d.due_date), (array_agg(d.amount ORDER BY d.due_date))[1],
    coalesce(sum(d.amount) FILTER (
      WHERE d.due_date >= (make_date(pm.exp_year, pm.exp_month, 1) + interval '1 month')::date), 0)
  FROM daily d
  JOIN payment_methods pm ON pm.organization_id = d.organization_id AND pm.id = d.pm_id
  JOIN accounts a ON a.organization_id = pm.organization_id AND a.id = pm.account_id
  WHERE pm.type = 'card' AND pm.in_wallet AND pm.exp_year BETWEEN 1 AND 9998 AND pm.exp_month BETWEEN 1 AND 12
  GROUP BY pm.organization_id, pm.id, pm.account_id, a.owner_name, pm.exp_year, pm.exp_month;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END $$;
--> statement-breakpoint
SELECT ec_rebuild_card_summary(NULL);
