// Platform limits as named constants, and the overflow policy: throw in tests, truncate visibly in production.

export const SLACK = {
  BLOCKS_PER_MESSAGE: 50,
  SECTION_TEXT: 3000,
  HEADER_TEXT: 150,
  FIELDS_PER_SECTION: 10,
  FIELD_TEXT: 2000,
  ACTIONS_ELEMENTS: 25,
  BUTTON_TEXT: 75,
  BUTTON_VALUE: 2000,
  CONFIRM_TITLE: 100,
  CONFIRM_TEXT: 300,
  CONFIRM_BUTTON: 30,
  ACTION_ID: 255,
  CONTEXT_ELEMENTS: 10,
  MESSAGE_TEXT: 40_000,
  MODAL_TITLE: 24,
  MODAL_BLOCKS: 100,
} as const;

export const DISCORD = {
  CONTENT: 2000,
  EMBEDS_PER_MESSAGE: 10,
  EMBED_TITLE: 256,
  EMBED_DESCRIPTION: 4096,
  EMBED_FIELDS: 25,
  FIELD_NAME: 256,
  FIELD_VALUE: 1024,
  FOOTER_TEXT: 2048,
  EMBED_TOTAL: 6000,
  ACTION_ROWS: 5,
  BUTTONS_PER_ROW: 5,
  BUTTON_LABEL: 80,
  CUSTOM_ID: 100,
  MODAL_TITLE: 45,
  MODAL_COMPONENTS: 5,
} as const;

export const TRUNCATION_MARK = '… (truncated)';

export class LimitError extends Error {
  readonly code = 'RENDER.LIMIT';
  constructor(
    readonly platform: string,
    readonly limit: string,
    readonly max: number,
    readonly actual: number,
  ) {
    super(`${platform} limit ${limit} exceeded: ${actual} > ${max}`);
    this.name = 'LimitError';
  }
}

export interface LimitPolicy {
  strict: boolean;
  /** Called for each truncation in non-strict mode (metrics, logs). */
  onTruncate?: (platform: string, limit: string) => void;
}

export class Limits {
  constructor(
    private readonly platform: string,
    private readonly policy: LimitPolicy,
  ) {}

  /** Returns `s` if it fits, else throws (strict) or cuts it with a visible mark. */
  text(limit: string, max: number, s: string): string {
    if (s.length <= max) return s;
    this.overflow(limit, max, s.length);
    return s.slice(0, Math.max(0, max - TRUNCATION_MARK.length)) + TRUNCATION_MARK;
  }

  /** Returns the first `max` items; reports overflow. */
  items<T>(limit: string, max: number, xs: T[]): T[] {
    if (xs.length <= max) return xs;
    this.overflow(limit, max, xs.length);
    return xs.slice(0, max);
  }

  /** For values that cannot be cut (ids): always throws. */
  exact(limit: string, max: number, s: string): string {
    if (s.length > max) throw new LimitError(this.platform, limit, max, s.length);
    return s;
  }

  overflow(limit: string, max: number, actual: number): void {
    if (this.policy.strict) throw new LimitError(this.platform, limit, max, actual);
    this.policy.onTruncate?.(this.platform, limit);
  }
}
