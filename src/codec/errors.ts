import { registerErrorCodes } from "../errors.js";

export const CodecErrors = registerErrorCodes({
  CODEC_TRUNCATED: { num: 101, http: 400 },
  CODEC_TRAILING_BYTES: { num: 102, http: 400 },
  CODEC_NON_CANONICAL: { num: 103, http: 400 },
  CODEC_OVERSIZED: { num: 104, http: 413 },
  CODEC_UNKNOWN_VERSION: { num: 105, http: 400 },
  CODEC_OUT_OF_RANGE: { num: 106, http: 400 },
  CODEC_BAD_UTF8: { num: 107, http: 400 },
  CODEC_UNKNOWN_TAG: { num: 108, http: 400 },
});
