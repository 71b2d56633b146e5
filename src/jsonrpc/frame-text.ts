/**
 * The received text of a parsed message, for code that hands a large message on whole: the
 * worker pool copies this text into its queue instead of serialising the parsed message again.
 *
 * Keyed by the parsed message object. A message an interceptor replaced is a new object, so it
 * has no text here and the caller serialises it: the text always matches the message it is
 * looked up for. Only frames of at least {@link FRAME_TEXT_MIN_CHARS} are remembered (smaller
 * ones are inspected inline and never need it).
 */

const texts = new WeakMap<object, string>();

/** Frames shorter than this (UTF-16 units) are not remembered. */
export const FRAME_TEXT_MIN_CHARS = 1024;

/** Remembers `text` as the text `message` was parsed from (`JSON.parse(text)` gave `message`). */
export function rememberFrameText(message: object, text: string): void {
  if (text.length >= FRAME_TEXT_MIN_CHARS) texts.set(message, text);
}

/** The text `message` was parsed from, or undefined when it was not received as a whole frame. */
export function frameTextOf(message: object): string | undefined {
  return texts.get(message);
}
