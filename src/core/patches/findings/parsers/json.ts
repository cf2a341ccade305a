// Decodes a report's bytes and parses its JSON; a failure says where (line and column) and
// whether the file was cut short, which JSON.parse alone does not report consistently.

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Bytes or text → text: UTF-8 (BOM dropped), or UTF-16 when it starts with a UTF-16 BOM. */
export function decode(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const b = input;
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  return new TextDecoder('utf-8').decode(start ? b.subarray(start) : b);
}

export function parseJson(text: string, byteLength: number): JsonResult {
  if (byteLength === 0) return { ok: false, reason: 'the report is empty (0 bytes)' };
  const first = text.search(/\S/);
  if (first < 0) return { ok: false, reason: `the report is blank (${byteLength} bytes of whitespace)` };
  const c = text.charAt(first);
  if (c === '<')
    return {
      ok: false,
      reason: 'the report is XML (it starts with "<"), not JSON: only the JSON forms of the scanner reports are read',
    };
  if (!'{["-0123456789tfn'.includes(c)) {
    const head = text.slice(first, first + 40).replace(/\s+/g, ' ');
    return { ok: false, reason: `the report is not JSON: it starts with "${head}"` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const found = locateJsonError(text);
    if (!found) return { ok: false, reason: `invalid JSON: ${(e as Error).message}` };
    const { line, column } = lineColumn(text, found.offset);
    if (found.eof)
      return {
        ok: false,
        reason: `the report is truncated: the JSON stops at line ${line} column ${column}, inside ${found.inside}`,
      };
    return {
      ok: false,
      reason: `invalid JSON: Unexpected token ${show(text, found.offset)} at line ${line} column ${column} (expected ${found.expected})`,
    };
  }
}

function show(text: string, at: number): string {
  const cp = text.codePointAt(at) ?? 0;
  return cp < 0x20 ? `U+${cp.toString(16).padStart(4, '0').toUpperCase()}` : `'${String.fromCodePoint(cp)}'`;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

interface JsonError {
  offset: number;
  eof: boolean;
  expected: string;
  inside: string;
}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const DIGIT = (c: number) => c >= 0x30 && c <= 0x39;
const HEX = /^[0-9a-fA-F]$/;

/** Walks the JSON grammar (iteratively) to the first error; null when the text is valid. */
export function locateJsonError(text: string): JsonError | null {
  const n = text.length;
  const stack: ('object' | 'array')[] = [];
  let i = 0;
  const inside = (extra?: string) =>
    extra ?? (stack.length ? `an unfinished ${stack[stack.length - 1]}` : 'the first value');
  const fail = (expected: string, extra?: string): JsonError => ({
    offset: Math.min(i, n),
    eof: i >= n,
    expected,
    inside: inside(extra),
  });
  const ws = () => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };
  const string = (): JsonError | null => {
    i++;
    for (;;) {
      if (i >= n) return fail('a closing quote', 'an unfinished string');
      const c = text.charCodeAt(i);
      if (c === 0x22) return (i++, null);
      if (c < 0x20) return fail('a character of a string (control characters must be escaped)');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      i++;
      if (i >= n) return fail('an escape', 'an unfinished string');
      const e = text.charAt(i);
      if ('"\\/bfnrt'.includes(e)) i++;
      else if (e === 'u') {
        i++;
        for (let k = 0; k < 4; k++, i++) {
          if (i >= n) return fail('a hex digit', 'an unfinished string');
          if (!HEX.test(text.charAt(i))) return fail('a hex digit');
        }
      } else return fail('an escape (one of " \\ / b f n r t u)');
    }
  };
  const digits = (what: string): JsonError | null => {
    if (i >= n) return fail(what, 'an unfinished number');
    if (!DIGIT(text.charCodeAt(i))) return fail(what);
    while (i < n && DIGIT(text.charCodeAt(i))) i++;
    return null;
  };
  const number = (): JsonError | null => {
    if (text[i] === '-') i++;
    if (i < n && text[i] === '0') i++;
    else {
      const e = digits('a digit');
      if (e) return e;
    }
    if (text[i] === '.') {
      i++;
      const e = digits('a digit after the decimal point');
      if (e) return e;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      const e = digits('a digit of the exponent');
      if (e) return e;
    }
    return null;
  };
  const literal = (word: string): JsonError | null => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n) return fail(`"${word}"`);
      if (text[i] !== word[k]) return fail(`"${word}"`);
    }
    return null;
  };
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    ws();
    if (state === 'value') {
      if (i >= n) return fail('a value');
      const c = text.charAt(i);
      let err: JsonError | null;
      if (c === '{' || c === '[') {
        stack.push(c === '{' ? 'object' : 'array');
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          state = 'after';
        } else state = c === '{' ? 'key' : 'value';
        continue;
      }
      if (c === '"') err = string();
      else if (c === '-' || DIGIT(c.charCodeAt(0))) err = number();
      else if (c === 't') err = literal('true');
      else if (c === 'f') err = literal('false');
      else if (c === 'n') err = literal('null');
      else return fail('a value');
      if (err) return err;
      state = 'after';
    } else if (state === 'key') {
      if (i >= n) return fail('a property name');
      if (text[i] !== '"') return fail('a property name in double quotes');
      const err = string();
      if (err) return err;
      ws();
      if (i >= n) return fail("':'");
      if (text[i] !== ':') return fail("':' after the property name");
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (!top) return i < n ? fail('nothing after the end of the JSON value') : null;
      if (i >= n) return fail(top === 'object' ? "',' or '}'" : "',' or ']'");
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === 'object' ? 'key' : 'value';
      } else if ((top === 'object' && c === '}') || (top === 'array' && c === ']')) {
        stack.pop();
        i++;
      } else return fail(top === 'object' ? "',' or '}' after a property value" : "',' or ']' after an array element");
    }
  }
}
