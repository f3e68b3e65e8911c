// Broker log lines. Clients choose their clientId, username and topics, so every value put into a
// line goes through `line`: one event is always one line, whatever a client sends.

// Bare values are printable text without space, quote, backslash or '=' (logfmt's rule), e.g.
// clientIds and most topics; anything else is quoted, so it cannot pose as a field or a new line.
const PLAIN = /^[^\p{C}\p{Z}"=\\]+$/u;
// JSON.stringify escapes C0 controls and lone surrogates but leaves DEL, C1 controls (NEL), format
// characters (bidi overrides) and U+2028/U+2029, which some viewers treat as line breaks.
const UNESCAPED = /[\p{C}\p{Zl}\p{Zp}]/gu;

const unicodeEscape = (text: string) =>
  Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");

/** A value as it appears in a log line: bare when plain, else a JSON string with only printable characters. */
export function logValue(value: unknown): string {
  const text = String(value);
  return PLAIN.test(text) ? text : JSON.stringify(text).replace(UNESCAPED, unicodeEscape);
}

/** Template tag for log lines: every interpolated value goes through logValue. */
export function line(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, text, i) => out + logValue(values[i - 1]) + text);
}
