-- Custom migration: ec_refresh_card serialises on the card's row instead of a transaction-level advisory
-- lock (0002), which a single statement writing many cards' payments exhausted (out of shared memory).
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
  -- One refresh of a card at a time: lock the card's own row, so the statements below see what a
  -- concurrent writer committed. A row lock, unlike the advisory lock of 0002, takes no room in the shared
  -- lock table, so a statement touching thousands of cards cannot run out of shared memory.
  PERFORM 1 FROM payment_methods WHERE organization_id = p_org AND id = p_pm FOR NO KEY UPDATE;
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
