import { isDebtorErasure, ledger, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import { debtorFactHandlersOf } from '../decisions/debtor-facts.consumer';
import { eraseLettersOf } from '../dispatch/letter-erasure';
import { PlannerRepository } from './planner.repository';
import { PlanAccountUseCase, PlanCause } from './usecases/plan-account.usecase';
import { queueExpiredOfferCall, queueRejectedOfferCall } from './usecases/offer-call-back';
import { queueSettlementReview } from './usecases/settlement-review';

/** `SEGMENT_SELF_CURE` → `self_cure`, `PRODUCT_CREDIT_CARD` → `credit_card`: the words strategies use. */
export const segmentWord = (segment: scoring.Segment) =>
  segment === scoring.Segment.SEGMENT_UNSPECIFIED
    ? ''
    : scoring
        .segmentToJSON(segment)
        .replace(/^SEGMENT_/, '')
        .toLowerCase();
export const productWord = (product: ledger.Product) =>
  product === ledger.Product.PRODUCT_UNSPECIFIED
    ? ''
    : ledger
        .productToJSON(product)
        .replace(/^PRODUCT_/, '')
        .toLowerCase();

/** The commitment a running plan is (planner_commitment). */
const planCommitment = (planId: string) => `plan:${planId}`;
/** The commitment an open settlement is. */
const settlementCommitment = (settlementId: string) => `settlement:${settlementId}`;
/** The commitment an offer held for a supervisor is, until decided or expired. */
const heldOfferCommitment = (approvalId: string) => `held-offer:${approvalId}`;
/** A single promise's commitment, or its plan's for an instalment of a plan. */
const promiseCommitment = (p: { promiseId: string; planId?: string }) =>
  p.planId ? planCommitment(p.planId) : `promise:${p.promiseId}`;

/**
 * The planner's read model, kept from ledger, scoring and promises events, and the events that
 * make it plan an account again: a score, a delinquency change, a broken promise, an instalment
 * falling due, and every stop fact (payment, promise, hold, consent) the moment it arrives.
 * `letterDir`: where the letter export writes the print files, which a debtor's erasure reaches.
 */
export function plannerHandlers(
  planner: PlanAccountUseCase,
  repo: PlannerRepository,
  letterDir?: string,
): EventHandlers {
  const plan = (event: ConsumedEvent, { tx, outbox }: HandlerContext, accountId: string, answer = false) => {
    const cause: PlanCause = { id: event.id, answerWithoutStrategy: answer };
    return planner.planAfterEvent(tx, outbox, event.tenantId, accountId, cause);
  };
  const planDebtor = async (event: ConsumedEvent, hc: HandlerContext, debtorId: string) => {
    for (const accountId of await repo.accountsOfDebtor(hc.tx, event.tenantId, debtorId))
      await plan(event, hc, accountId);
  };
  // The debtor facts, kept at the planner's clock with its cache of packs: a fact that stops
  // contact for good cancels the debtor's agent calls and visits the law now refuses.
  const debtorFactHandlers = debtorFactHandlersOf({
    repo,
    clock: { now: () => planner.ctx.clock.now() },
    refusals: () => planner.refusals,
    logger: planner.ctx.logger,
  });
  const money = (m: { amountMinor: number } | undefined) => (m ? m.amountMinor : undefined);
  /** Opens or ends one of the account's commitments (each pauses its cadence), then plans it again. */
  const commit = async (event: ConsumedEvent, hc: HandlerContext, accountId: string, id: string, open: boolean) => {
    await repo.commitment(hc.tx, event.tenantId, accountId, id, open);
    await plan(event, hc, accountId);
  };
  /** A settlement paid, lapsed or withdrawn: its pause ends, and the account is planned again. */
  const settlementEnded = (
    event: ConsumedEvent<
      | 'collections.promises.v1.SettlementPaid'
      | 'collections.promises.v1.SettlementLapsed'
      | 'collections.promises.v1.SettlementWithdrawn'
    >,
    hc: HandlerContext,
  ) => commit(event, hc, event.payload.accountId, settlementCommitment(event.payload.settlementId), false);
  /** A plan completed, defaulted or was cancelled: its pause ends, and the account is planned again. */
  const planEnded = (
    event: ConsumedEvent<
      | 'collections.promises.v1.PlanCompleted'
      | 'collections.promises.v1.PlanDefaulted'
      | 'collections.promises.v1.PlanCancelled'
    >,
    hc: HandlerContext,
  ) => commit(event, hc, event.payload.accountId, planCommitment(event.payload.planId), false);

  return {
    ...debtorFactHandlers,
    'collections.ledger.v1.DebtorUpserted': async (event, hc) => {
      await debtorFactHandlers['collections.ledger.v1.DebtorUpserted']!(event, hc);
      if (!isDebtorErasure(event.payload)) return;
      // Nothing more goes to an erased debtor: their pending contacts are cancelled, where they
      // stayed pending for ever (no facts to send them under), each dispatch tick reading them again.
      await planner.cancelErased(hc.tx, event.tenantId, event.payload.debtorId);
      if (letterDir) await eraseLettersOf(hc.tx, letterDir, event.tenantId, event.payload.debtorId);
    },
    'collections.ledger.v1.AccountOpened': async (event, hc) => {
      await debtorFactHandlers['collections.ledger.v1.AccountOpened']!(event, hc);
      const a = event.payload;
      await repo.updateAccount(hc.tx, event.tenantId, a.accountId, {
        reference: a.externalRef || a.accountId,
        product: productWord(a.product),
        currency: a.currency,
        time_zone: a.timeZone || 'UTC',
      });
    },
    'collections.ledger.v1.HoldChanged': async (event, hc) => {
      await debtorFactHandlers['collections.ledger.v1.HoldChanged']!(event, hc);
      await planDebtor(event, hc, event.payload.debtorId);
    },
    'collections.ledger.v1.ConsentChanged': async (event, hc) => {
      await debtorFactHandlers['collections.ledger.v1.ConsentChanged']!(event, hc);
      await planDebtor(event, hc, event.payload.debtorId);
    },
    'collections.ledger.v1.StatementIssued': async (event, hc) => {
      const s = event.payload;
      await repo.statementIssued(
        hc.tx,
        event.tenantId,
        s.accountId,
        s.dueDate,
        money(s.amountDue) ?? 0,
        s.statementDate,
      );
      await plan(event, hc, s.accountId);
    },
    'collections.ledger.v1.BalanceChanged': async (event, hc) => {
      const b = event.payload.balance;
      if (!b) return;
      const total = money(b.total) ?? 0;
      await repo.updateAccount(hc.tx, event.tenantId, b.accountId, {
        balance_minor: total,
        balance_known: true,
        balance_from_ledger: true,
        days_past_due: b.daysPastDue,
      });
      // The ledger's days past due as of its (the account's local) day after the posting.
      if (b.asOfDate) await repo.ledgerDelinquency(hc.tx, event.tenantId, b.accountId, b.asOfDate, b.daysPastDue);
      if (total <= 0) await plan(event, hc, b.accountId);
    },
    'collections.ledger.v1.PaymentPosted': async (event, hc) => {
      const p = event.payload;
      if (p.balanceAfter)
        await repo.updateAccount(hc.tx, event.tenantId, p.accountId, {
          balance_minor: p.balanceAfter.amountMinor,
          balance_known: true,
          balance_from_ledger: true,
        });
      await plan(event, hc, p.accountId);
    },
    'collections.ledger.v1.PaymentReversed': async (event, hc) => {
      // A bank returned the payment or the debtor's card issuer charged it back: the debtor is told
      // (the payment-returned notice), since the balance they think paid is owed again. The
      // balance itself comes with the ledger's BalanceChanged.
      const r = event.payload;
      if (!r.amount?.currency || !(r.amount.amountMinor > 0) || !r.paymentId) return;
      const booked = await planner.noticeReturnedPayment(
        hc.tx,
        hc.outbox,
        event.tenantId,
        {
          accountId: r.accountId,
          paymentId: r.paymentId,
          amountMinor: r.amount.amountMinor,
          currency: r.amount.currency,
          reason: r.reason,
          // An envelope without its time reads as 1970: taken as now.
          reversedAt: event.time.getTime() > 0 ? event.time : planner.ctx.clock.now(),
        },
        event.id,
      );
      if (booked === 'late')
        planner.ctx.logger.warn(
          {
            tenantId: event.tenantId,
            accountId: r.accountId,
            paymentId: r.paymentId,
            eventId: event.id,
            reversedAt: event.time,
          },
          'payment-returned notice not booked: the reversal was consumed more than 3 days after the ledger made it (a consumer behind, a replay); tell the debtor another way if they have not heard',
        );
      if (booked === 'not-now')
        planner.ctx.logger.warn(
          { tenantId: event.tenantId, accountId: r.accountId, paymentId: r.paymentId, eventId: event.id },
          'payment-returned notice not booked: the debtor’s facts are not known yet or the contact law allows no notice within the next days (see the account’s contact decisions); tell the debtor another way',
        );
    },
    'collections.ledger.v1.DelinquencyChanged': async (event, hc) => {
      const d = event.payload;
      await repo.updateAccount(hc.tx, event.tenantId, d.accountId, { days_past_due: d.daysPastDue });
      await repo.ledgerDelinquency(hc.tx, event.tenantId, d.accountId, d.asOfDate, d.daysPastDue);
      await plan(event, hc, d.accountId);
    },
    'collections.scoring.v1.AccountScored': async (event, hc) => {
      const s = event.payload;
      await repo.accountScored(hc.tx, event.tenantId, s.accountId, {
        segment: segmentWord(s.segment),
        daysPastDue: s.daysPastDue,
        priority: s.priority,
        balanceMinor: s.balance?.amountMinor,
      });
      await plan(event, hc, s.accountId, true);
    },
    'collections.scoring.v1.SegmentChanged': async (event, hc) => {
      await repo.updateAccount(hc.tx, event.tenantId, event.payload.accountId, {
        segment: segmentWord(event.payload.segment),
      });
    },
    'collections.promises.v1.PromiseMade': async (event, hc) => {
      // A promise to pay (made to the bot, to an agent or through the API) pauses the cadence at once,
      // as a plan does, until PromiseKept or PromiseBroken below.
      await commit(event, hc, event.payload.accountId, promiseCommitment(event.payload), true);
    },
    'collections.promises.v1.PromiseBroken': async (event, hc) => {
      // A single promise ends. An instalment's PromiseBroken leaves the plan's pause to the plan's
      // own InstalmentMissed below: this event travels on the promise topic, which may be consumed
      // ahead of or behind the plan topic, and so after the plan's PlanReopened or its next
      // InstalmentDueSoon, whose pause it would wrongly end (or be ended before).
      if (event.payload.planId) {
        await plan(event, hc, event.payload.accountId);
        return;
      }
      await commit(event, hc, event.payload.accountId, promiseCommitment(event.payload), false);
    },
    'collections.promises.v1.InstalmentMissed': async (event, hc) => {
      // A missed instalment takes the plan's pause away until its next instalment falls due
      // (InstalmentDueSoon), so the chase goes on meanwhile; other commitments stay. On the plan
      // topic, in order after the PlanReopened of a reversal that misses it at once.
      await commit(event, hc, event.payload.accountId, planCommitment(event.payload.planId), false);
    },
    'collections.promises.v1.PromiseKept': async (event, hc) => {
      if (event.payload.planId) return; // an instalment kept: the plan is still running
      await commit(event, hc, event.payload.accountId, promiseCommitment(event.payload), false);
    },
    'collections.promises.v1.PromiseCancelled': async (event, hc) => {
      // Cancelled by a person (taken by mistake, retracted) or because the ledger settled or closed
      // the account: the promise ends as a kept one does (its pause ends), and unlike a broken one
      // it asks for no follow-up.
      await commit(event, hc, event.payload.accountId, promiseCommitment(event.payload), false);
    },
    'collections.promises.v1.PromiseKeptWithdrawn': async (event, hc) => {
      // The payment that kept it was reversed: the promise is open again, as before its PromiseKept,
      // so its pause comes back until it is kept again or broken (at once, past its grace days:
      // PromiseBroken follows). An instalment's PromiseKept changed nothing here (the plan runs on):
      // the account is only planned again on what it owes now.
      if (event.payload.planId) {
        await plan(event, hc, event.payload.accountId);
        return;
      }
      await commit(event, hc, event.payload.accountId, promiseCommitment(event.payload), true);
    },
    'collections.promises.v1.PlanAgreed': async (event, hc) => {
      // A plan is a promise from the moment it is agreed: the collection cadence pauses at once (each
      // instalment falling due gets its own reminder, InstalmentDueSoon below), not days later.
      // It is forbearance on record too: an EU account may then be referred for legal action.
      await repo.forbearanceOnRecord(hc.tx, event.tenantId, event.payload.accountId, event.time);
      await commit(event, hc, event.payload.accountId, planCommitment(event.payload.planId), true);
    },
    'collections.promises.v1.InstalmentDueSoon': async (event, hc) => {
      // A running plan is a promise: the collection cadence pauses, and the instalment gets its reminder.
      await repo.commitment(hc.tx, event.tenantId, event.payload.accountId, planCommitment(event.payload.planId), true);
      await repo.recordInstalment(hc.tx, event.tenantId, {
        planId: event.payload.planId,
        seq: event.payload.seq,
        accountId: event.payload.accountId,
        dueDate: event.payload.dueDate,
        amount: event.payload.amountDue,
      });
      // At once, on every clock: the reminder is booked only where the paused cadence left no live row.
      await planner.plan(hc.tx, hc.outbox, event.tenantId, event.payload.accountId, { id: event.id });
      await planner.remindInstalment(
        hc.tx,
        hc.outbox,
        event.tenantId,
        event.payload.accountId,
        { planId: event.payload.planId, seq: event.payload.seq, dueDate: event.payload.dueDate },
        event.id,
      );
    },
    'collections.promises.v1.PlanCompleted': planEnded,
    'collections.promises.v1.PlanDefaulted': planEnded,
    // An agent, the debtor or the creditor ended the plan (CancelPlan): nothing more is expected of it.
    'collections.promises.v1.PlanCancelled': planEnded,
    'collections.promises.v1.PlanReopened': async (event, hc) => {
      // A reversal took a completed plan back below its total: it runs again, and pauses the cadence
      // as an agreed plan does, until it completes again or defaults (PlanDefaulted may follow at once).
      await commit(event, hc, event.payload.accountId, planCommitment(event.payload.planId), true);
    },
    'collections.promises.v1.SettlementAgreed': async (event, hc) => {
      // A settlement is a promise to pay its sum by its due date: the cadence pauses until it is
      // paid or lapses (its due date plus the grace days, unpaid). It is forbearance on record.
      await repo.forbearanceOnRecord(hc.tx, event.tenantId, event.payload.accountId, event.time);
      await commit(event, hc, event.payload.accountId, settlementCommitment(event.payload.settlementId), true);
    },
    'collections.promises.v1.SettlementPaid': settlementEnded,
    'collections.promises.v1.SettlementLapsed': settlementEnded,
    // Withdrawn by a supervisor, or because the ledger settled or closed the account: nothing more
    // is expected of the settlement.
    'collections.promises.v1.SettlementWithdrawn': settlementEnded,
    // An agent's offer waits for a supervisor: the debtor was told an answer would come, so the
    // cadence pauses, as for a promise, until the offer is decided or expires (at most the tenant
    // policy's approval_hours).
    'collections.promises.v1.OfferApprovalRequested': async (event, hc) => {
      const { accountId, approvalId } = event.payload;
      await commit(event, hc, accountId, heldOfferCommitment(approvalId), true);
    },
    // Nobody decided on an agent's offer in time: the pause ends, and an agent calls a debtor still
    // waiting back, the law permitting.
    'collections.promises.v1.OfferApprovalExpired': async (event, hc) => {
      const { accountId, approvalId } = event.payload;
      await commit(event, hc, accountId, heldOfferCommitment(approvalId), false);
      await queueExpiredOfferCall(hc, repo, event, planner.ctx.clock.now(), planner.ctx.logger);
    },
    // A supervisor decided: the pause ends (an approval's plan or settlement pauses on its own); a
    // rejection a debtor still waits on gets an agent's call back with the answer.
    'collections.promises.v1.OfferApprovalDecided': async (event, hc) => {
      const { accountId, approvalId } = event.payload;
      await commit(event, hc, accountId, heldOfferCommitment(approvalId), false);
      await queueRejectedOfferCall(hc, repo, event, planner.ctx.clock.now(), planner.ctx.logger);
    },
    // A settlement needs a person (a payment reversed after its discount was posted, or a discount
    // the ledger refused): a review task in an agent queue. The cadence is not planned again: the
    // settlement's own events did that.
    'collections.promises.v1.SettlementReviewNeeded': async (event, hc) => {
      await queueSettlementReview(hc, repo, event, planner.ctx.clock.now(), planner.ctx.logger);
    },
  };
}
