import { sql } from 'drizzle-orm';
import { businessRule, notFound } from '../../lib/errors';
import { big, type Db, rows } from '../../platform/db/db';

/** One allocation of a batch, as the statement takes it (IDs and the instant are decided by the caller). */
export interface BatchAllocation {
  id: string;
  accountId: string;
  creditId: string;
  debitId: string;
  amountMinor: bigint;
  batchId: string | null;
  source: string;
  createdBy: string | null;
}

/**
 * The ledger's allocation rules, in one place and one statement (every allocation path goes through it:
 * `allocate`, `allocateMany`, reconcile's batch). It row-locks the documents in ID order (the ledger's lock
 * order), checks every allocation in batch order against the locked rows — both documents are the account's,
 * a posted credit and a posted debit in one currency, a positive amount within what is still open once the
 * batch's earlier allocations are counted — and only when all pass lowers the open amounts and inserts the
 * rows. It answers the first failing check, in the order the messages below are tried, or nothing.
 * The CHECKs on documents (0 ≤ open ≤ amount) and allocations (amount > 0) stay the last line of defence.
 * One round trip however many allocations.
 */
export async function applyAllocationBatch(
  tx: Db,
  organizationId: string,
  batch: readonly BatchAllocation[],
  now: Date,
): Promise<void> {
  const col = <T>(pick: (a: BatchAllocation) => T) => sql.param(batch.map(pick));
  const docIds = [...new Set(batch.flatMap((a) => [a.creditId, a.debitId]))].sort();
  const [problem] = await rows<Record<string, unknown>>(
    tx,
    sql`
    with req as (
      select * from unnest(${col((a) => a.id)}::text[], ${col((a) => a.accountId)}::text[],
                           ${col((a) => a.creditId)}::text[], ${col((a) => a.debitId)}::text[],
                           ${col((a) => a.amountMinor.toString())}::bigint[], ${col((a) => a.batchId)}::text[],
                           ${col((a) => a.source)}::text[], ${col((a) => a.createdBy)}::text[])
        with ordinality as r(id, account_id, credit_id, debit_id, amount, batch_id, source, created_by, ord)
    ), locked as materialized (
      select d.id, d.account_id, d.side, d.status, d.currency, d.open_minor
      from documents d
      where d.organization_id = ${organizationId} and d.id = any(${sql.param(docIds)}::text[])
      order by d.id
      for update
    ), uses as (
      -- each allocation's use of each of its documents, with what the batch's earlier allocations took from it
      select q.ord, u.role, u.doc_id,
             coalesce(sum(q.amount) over (partition by u.doc_id order by q.ord, u.role
                                          rows between unbounded preceding and 1 preceding), 0) as taken_before,
             q.amount
      from req q cross join lateral (values (1, q.credit_id), (2, q.debit_id)) as u(role, doc_id)
    ), checked as (
      select q.ord, c.id as credit_id, d.id as debit_id,
             c.open_minor - uc.taken_before as credit_open, d.open_minor - ud.taken_before as debit_open,
             case
               when c.id is null or c.account_id <> q.account_id then 'credit_not_found'
               when d.id is null or d.account_id <> q.account_id then 'debit_not_found'
               when c.side <> 'credit' then 'not_a_credit'
               when d.side <> 'debit' then 'not_a_debit'
               when c.status <> 'posted' then 'credit_not_posted'
               when d.status <> 'posted' then 'debit_not_posted'
               when c.currency <> d.currency then 'currencies_differ'
               when q.amount <= 0 then 'amount_not_positive'
               when q.amount > c.open_minor - uc.taken_before then 'over_credit_open'
               when q.amount > d.open_minor - ud.taken_before then 'over_debit_open'
             end as problem
      from req q
      left join locked c on c.id = q.credit_id
      left join locked d on d.id = q.debit_id
      join uses uc on uc.ord = q.ord and uc.role = 1
      join uses ud on ud.ord = q.ord and ud.role = 2
    ), bad as materialized (
      select * from checked where problem is not null order by ord limit 1
    ), lowered as (
      update documents d set open_minor = d.open_minor - t.amount
      from (select doc_id, sum(amount) as amount from uses group by doc_id) t
      where d.organization_id = ${organizationId} and d.id = t.doc_id and not exists (select 1 from bad)
      returning d.id
    ), inserted as (
      insert into allocations
        (organization_id, id, account_id, credit_id, debit_id, amount_minor, batch_id, source, created_by, created_at)
      select ${organizationId}, q.id, q.account_id, q.credit_id, q.debit_id, q.amount, q.batch_id, q.source,
             q.created_by, ${now.toISOString()}::timestamptz
      from req q where not exists (select 1 from bad)
      returning id
    )
    select problem, credit_id, debit_id, credit_open::text, debit_open::text from bad`,
  );
  if (!problem) return;
  const creditId = String(problem.credit_id);
  const debitId = String(problem.debit_id);
  switch (problem.problem) {
    case 'credit_not_found':
      throw notFound('credit');
    case 'debit_not_found':
      throw notFound('debit');
    case 'not_a_credit':
      throw businessRule(`${creditId} is not a credit (payment or credit note)`);
    case 'not_a_debit':
      throw businessRule(`${debitId} is not a debit (invoice or refund)`);
    case 'credit_not_posted':
      throw businessRule(`${creditId} is not posted yet (a pending eCheck is not a credit)`);
    case 'debit_not_posted':
      throw businessRule(`${debitId} is not posted`);
    case 'currencies_differ':
      throw businessRule('the credit and the debit are in different currencies');
    case 'amount_not_positive':
      throw businessRule('the amount must be positive');
    default: {
      const what = problem.problem === 'over_credit_open' ? 'credit' : 'debit';
      const open = big(what === 'credit' ? problem.credit_open : problem.debit_open);
      throw businessRule(`the amount is larger than the ${what}'s open amount (${open})`, {
        openAmount: Number(open),
      });
    }
  }
}
