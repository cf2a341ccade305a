// How a person appears in a card: a mention span where the policy knows them, else their id as text.
import { type Rich, txt, user } from '../card.js';
import type { Directory } from '../directory.js';

export function personSpan(dir: Directory, personId: string | null | undefined, fallback = 'someone'): Rich {
  const p = personId ? dir.person(personId) : undefined;
  return p ? [user(p)] : [txt(personId ?? fallback)];
}
