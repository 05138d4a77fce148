// Payments the admin API records (a stand-in for WeChat Pay), read by getPaidUnionid: the payer's unionid is given
// only within 5 minutes of the payment
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/basic-info/getPaidUnionid.html).
import { Type } from '@sinclair/typebox';
import { MockUsageError } from '../errors.js';
import type { MockRandom } from '../random.js';
import { badField, checkPart, type RestoreContext } from './snapshot.js';
import { pruneFront } from './prune-front.js';

export const PAID_UNIONID_WINDOW_MS = 300_000;
/** Keep at most this many payments; the oldest go first (they are long past the 5-minute window). */
const PAYMENT_CAP = 10_000;
const DIGITS = '0123456789';
/** WeChat Pay merchant ids are 10 digits; this one is the mock's default merchant. */
export const DEFAULT_MCH_ID = '1900000109';

export interface PaymentRecord {
  appid: string;
  openid: string;
  /** WeChat Pay's order number: 28 digits starting 42000 in every captured request. */
  transaction_id: string;
  mch_id: string;
  out_trade_no: string;
  /** ms since the epoch, by the mock's clock. */
  paidAt: number;
}

export interface PaymentSeed {
  transaction_id?: string;
  mch_id?: string;
  out_trade_no?: string;
}

const ID_RE = /^[A-Za-z0-9_\-|*@]{1,64}$/;
const Id = Type.String({ pattern: ID_RE.source });

const PaymentsPart = Type.Object(
  {
    payments: Type.Array(
      Type.Object(
        { appid: Type.String(), openid: Type.String(), transaction_id: Id, mch_id: Id, out_trade_no: Id, paidAt: Type.Integer() },
        { additionalProperties: false },
      ),
      { maxItems: PAYMENT_CAP },
    ),
  },
  { additionalProperties: false },
);

export function createPayments(now: () => number, random: () => MockRandom) {
  let byTransaction = new Map<string, PaymentRecord>();
  let byTradeNo = new Map<string, PaymentRecord>();

  function check(name: string, v: string | undefined): void {
    if (v !== undefined && !ID_RE.test(v)) throw new MockUsageError(`payment: ${name} must be 1 to 64 letters, digits or _-|*@`);
  }

  function recordPayment(u: { appid: string; openid: string }, s: PaymentSeed = {}): PaymentRecord {
    check('transaction_id', s.transaction_id);
    check('mch_id', s.mch_id);
    check('out_trade_no', s.out_trade_no);
    const r = random().stream('payment');
    const mchId = s.mch_id ?? DEFAULT_MCH_ID;
    const rec: PaymentRecord = {
      appid: u.appid,
      openid: u.openid,
      transaction_id: s.transaction_id ?? `42000${r.chars(23, DIGITS)}`,
      mch_id: mchId,
      out_trade_no: s.out_trade_no ?? r.chars(18, DIGITS),
      paidAt: now(),
    };
    const tradeKey = `${mchId}\0${rec.out_trade_no}`;
    if (byTransaction.has(rec.transaction_id)) throw new MockUsageError(`payment: transaction_id ${rec.transaction_id} is already recorded`, 409);
    if (byTradeNo.has(tradeKey)) throw new MockUsageError(`payment: out_trade_no ${rec.out_trade_no} of mch_id ${mchId} is already recorded`, 409);
    pruneFront(
      byTransaction,
      (_v, size) => size >= PAYMENT_CAP,
      (_k, v) => byTradeNo.delete(`${v.mch_id}\0${v.out_trade_no}`),
    );
    byTransaction.set(rec.transaction_id, rec);
    byTradeNo.set(tradeKey, rec);
    return { ...rec };
  }

  /** The payment by transaction_id, or else by mch_id + out_trade_no; undefined when neither names one. */
  function findPayment(q: { transaction_id?: string; mch_id?: string; out_trade_no?: string }): PaymentRecord | undefined {
    if (q.transaction_id) return byTransaction.get(q.transaction_id);
    if (q.mch_id && q.out_trade_no) return byTradeNo.get(`${q.mch_id}\0${q.out_trade_no}`);
    return undefined;
  }

  /**
   * Every payment recorded (at most 10,000): getPaidUnionid tells a payment past its 5-minute window from one never
   * made, so an old one is still worth keeping across a restart.
   */
  function snapshot() {
    return { payments: [...byTransaction.values()].map((p) => ({ ...p })) };
  }

  function restore(part: unknown, path: string, ctx: RestoreContext) {
    const p = checkPart(PaymentsPart, part, path);
    const txs = new Set<string>();
    const trades = new Set<string>();
    p.payments.forEach((x, i) => {
      const at = `${path}.payments[${i}]`;
      if (txs.has(x.transaction_id)) throw badField(`${at}.transaction_id`, 'appears twice');
      if (trades.has(`${x.mch_id}\0${x.out_trade_no}`)) throw badField(`${at}.out_trade_no`, `appears twice for mch_id ${x.mch_id}`);
      txs.add(x.transaction_id);
      trades.add(`${x.mch_id}\0${x.out_trade_no}`);
      if (!ctx.hasUser(x.appid, x.openid)) throw badField(at, `belongs to user ${x.openid} of app ${x.appid}, whom the snapshot does not hold`);
    });
    // Oldest first, which the cap's eviction relies on.
    const list = [...p.payments].sort((a, b) => a.paidAt - b.paidAt);
    return () => {
      byTransaction = new Map(list.map((x) => [x.transaction_id, { ...x }]));
      byTradeNo = new Map([...byTransaction.values()].map((x) => [`${x.mch_id}\0${x.out_trade_no}`, x]));
    };
  }

  return {
    recordPayment,
    findPayment,
    resetPayments(): void {
      byTransaction = new Map();
      byTradeNo = new Map();
    },
    snapshot,
    restore,
  };
}
