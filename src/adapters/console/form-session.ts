// Asks a form's fields one line at a time (console), validating choices as they are typed.
import type { Form, FormField } from '../../core/card.js';

export class FormSession {
  readonly values: Record<string, string | undefined> = {};
  private queue: FormField[];

  constructor(readonly form: Form) {
    this.queue = [...form.fields];
  }

  get complete() {
    return this.queue.length === 0;
  }

  label(id: string) {
    return this.form.fields.find((f) => f.id === id)?.label ?? id;
  }

  /** The field being asked; asking or answering a complete form is a caller's mistake. */
  private current(): FormField {
    const f = this.queue[0];
    if (!f) throw new Error(`form "${this.form.title}" has no field left to ask`);
    return f;
  }

  prompt(): string {
    const f = this.current();
    const def = f.initial ? ` [${f.initial}]` : '';
    if (f.kind === 'boolean') return `${f.label} (y/N):`;
    if (f.kind === 'select') {
      const opts = (f.options ?? [])
        .map((o, i) => `  ${i + 1}) ${o.label}${o.description ? ` — ${o.description}` : ''}`)
        .join('\n');
      return `${f.label}${f.required ? '' : ' (optional)'}${def}:\n${opts}`;
    }
    return `${f.label}${f.required ? '' : ' (optional)'}${def}:`;
  }

  /** Takes one answer; returns a problem to show (and asks again) or null. */
  answer(raw: string): string | null {
    const f = this.current();
    const input = raw.trim();
    let value: string | undefined = input || f.initial;
    if (f.kind === 'boolean') value = /^(y|yes|true|1)$/i.test(input) ? 'yes' : undefined;
    else if (f.kind === 'select' && value) {
      const opts = f.options ?? [];
      const byNumber = /^\d+$/.test(value) ? opts[Number(value) - 1] : undefined;
      const match =
        byNumber ??
        opts.find(
          (o) => o.value.toLowerCase() === value!.toLowerCase() || o.label.toLowerCase() === value!.toLowerCase(),
        );
      if (!match) return `Choose 1-${opts.length} or one of: ${opts.map((o) => o.value).join(', ')}`;
      value = match.value;
    }
    if (f.maxLength && value && value.length > f.maxLength) return `Keep it under ${f.maxLength} characters.`;
    this.values[f.id] = value;
    this.queue.shift();
    return null;
  }

  /** Asks these fields again (after the server found problems with them). */
  reopen(ids: string[]) {
    this.queue = this.form.fields.filter((f) => ids.includes(f.id));
    if (!this.queue.length) this.queue = [...this.form.fields];
  }
}
