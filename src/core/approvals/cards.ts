// Pieces of approval cards shared by change requests and risk exceptions: one line per decision.
import { type Reply, type Rich, br, ephemeral, join, time, txt } from '../card.js';
import type { Directory } from '../directory.js';
import { personSpan } from '../people/spans.js';
import type { DecisionKind } from './quorum.js';

/** A reason longer than this is shortened in the decision lines and shown whole in its own section. */
export const REASON_INLINE = 200;

export interface DecisionLine {
  personId: string;
  decision: DecisionKind;
  reason: string | null;
  at: Date;
}

/** "✓ Bob Builder 1 Dec 14:00" / "✗ Carol … : reason", one per line, in the order given. */
export function decisionLines(dir: Directory, decisions: readonly DecisionLine[]): Rich {
  const reason = (r: string) => (r.length > REASON_INLINE ? `${r.slice(0, REASON_INLINE - 1)}… (in full below)` : r);
  return join(
    decisions.map((d) => [
      txt(d.decision === 'approve' ? '✓ ' : '✗ '),
      ...personSpan(dir, d.personId),
      txt(' '),
      time(d.at),
      ...(d.reason ? [txt(`: ${reason(d.reason)}`)] : []),
    ]),
    br,
  );
}

/** The decider's answer: "You approved CHG-4" with the tally, or the outcome when the decision settled it. */
export function decisionReply(
  ref: string,
  decision: DecisionKind,
  r: { tally: string; decided: boolean },
  stateLabel: string,
): Reply {
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  return ephemeral({
    title: `You ${verb} ${ref}`,
    tone: decision === 'approve' ? 'good' : 'warning',
    body: [txt(r.decided ? `${ref} is now ${stateLabel.toLowerCase()}.` : `Tally: ${r.tally}.`)],
  });
}
