/** Shared text extraction and normalisation for every detector that reads message content. */
export {
  type Extracted,
  extractSegments,
  MAX_SEGMENTS,
  MAX_WALK_DEPTH,
  type PayloadKind,
  readableText,
  type Segment,
  type SegmentSlot,
  toolSegments,
  toolsOf,
} from "./extract.ts";
export {
  type CarrierKind,
  type HiddenSegment,
  MAX_DECODE_CHARS,
  type Normalized,
  nonAsciiOf,
  normalize,
} from "./normalize.ts";
