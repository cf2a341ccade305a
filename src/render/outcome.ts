// Turns a use case's outcome into a Reply: failures become a clear, coded card for the user.
import { type Reply, code, txt } from '../core/card.js';
import type { CoreError, Outcome } from '../core/errors.js';

export function errorReply(e: CoreError): Reply {
  return {
    visibility: 'ephemeral',
    cards: [
      {
        title: e.message,
        tone: 'danger',
        body: e.hint ? [txt(e.hint)] : undefined,
        context: [code(e.code)],
      },
    ],
  };
}

export function toReply(o: Outcome<Reply>): Reply {
  return o.ok ? o.value : errorReply(o.error);
}
