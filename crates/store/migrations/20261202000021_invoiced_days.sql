-- Each day of a service is billed once: an accepted claim now records the days it pays
-- for in paid_days, under the payee 'invoice:<plan line id>'. Claims accepted before this
-- get their days too, except where two accepted claims of one line overlap (the double
-- billing this guards against): those are left for finance to look at, and still refuse
-- a later claim by their reference.
INSERT INTO paid_days (council_id, budget_account_id, stream, payee, first_day, last_day, entry_id)
SELECT i.council_id, i.budget_account_id, l.stream, 'invoice:' || i.plan_line_id, i.period_start, i.period_end, i.entry_id
FROM invoices i
JOIN plan_lines l ON l.id = i.plan_line_id AND l.council_id = i.council_id
WHERE i.status = 'accepted' AND i.entry_id IS NOT NULL AND i.budget_account_id IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM invoices o
    WHERE o.council_id = i.council_id AND o.plan_line_id = i.plan_line_id AND o.status = 'accepted' AND o.id <> i.id
      AND o.period_start <= i.period_end AND o.period_end >= i.period_start
  )
  AND NOT EXISTS (
    SELECT 1 FROM paid_days p
    WHERE p.council_id = i.council_id AND p.budget_account_id = i.budget_account_id AND p.payee = 'invoice:' || i.plan_line_id
      AND p.first_day <= i.period_end AND p.last_day >= i.period_start
  )
ON CONFLICT DO NOTHING;
