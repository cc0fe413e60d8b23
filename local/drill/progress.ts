import type { LedgerEntry } from '../../shared/ledger/store.js';
import type { ReceivedRequest } from '../receiver.js';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../../shared/net/signing.js';
import type { RecordOutcome } from '../../shared/record/recorder.js';
import { clip } from '../../shared/support/text.js';

/** How the drill words what happened: one line per notable step, for people reading along. */

/** `+02:30`: simulated time since the scenario started. */
export const offset = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** `14:02:00` from an epoch ms or ISO time. */
export const clockTime = (t: number | string): string => new Date(t).toISOString().slice(11, 19);

/** The Slack header as on-call reads it, without the leading emoji shortcode. */
export const slackTitle = (req: ReceivedRequest): string => {
  const header = (req.json as { blocks?: { type: string; text?: { text: string } }[] } | undefined)?.blocks?.find(
    (b) => b.type === 'header',
  )?.text?.text;
  return (header ?? '(no header)').replace(/^:[a-z0-9_+-]+:\s*/, '');
};

/** A notification webhook's title and whether its HMAC signature verifies with the shared secret. */
export const webhookNotice = (
  req: ReceivedRequest,
  secret: string,
): { title: string; signature: 'verified' | 'invalid' } => {
  const header = (name: string) => String(req.headers[name.toLowerCase()] ?? '');
  const ok = verifyWebhookSignature({
    secret,
    timestamp: header(WEBHOOK_HEADERS.timestamp),
    body: req.body,
    signature: header(WEBHOOK_HEADERS.signature),
    now: Date.now(),
  });
  const title = (req.json as { notification?: { title?: string } } | undefined)?.notification?.title ?? '(no title)';
  return { title, signature: ok ? 'verified' : 'invalid' };
};

/** How one delivery of an alarm was recorded. */
export const describeOutcome = (o: RecordOutcome): string => {
  switch (o.outcome) {
    case 'recorded':
      return `recorded #${o.seq} ${o.event}${o.stale ? ' (stale)' : ''}`;
    case 'duplicate':
      return `duplicate of #${o.seq}, absorbed`;
    default:
      return `${o.outcome}: ${o.reason}`;
  }
};

/** A ledger entry the probes or the promoter appended, with what matters about it. */
export const describeEntry = (e: LedgerEntry): string => {
  const head = `ledger #${e.seq} ${e.event}`;
  if (e.kind === 'promotion') {
    if (e.event === 'FAILBACK_READY')
      return `${head}: the writer stays in ${e.region} until someone runs: ${e.promotion.failbackCommands?.[0] ?? 'see the checklist'}`;
    if (e.event === 'PROMOTION_AWAITING_APPROVAL') return `${head}: r53-failover promote approve ${e.promotion.id}`;
    return `${head}: ${clip(e.reason, 140)}`;
  }
  if (e.kind === 'probe') return `${head} ${e.role}: ${clip(e.reason.split('. ')[0] ?? e.reason, 140)}`;
  if (e.kind === 'dns') return `${head}: ${clip(e.reason.split('. ')[0] ?? e.reason, 140)}`;
  return `${head} (${e.role} ${e.state})`;
};
