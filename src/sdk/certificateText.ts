import { decode } from "../codec/schema.js";
import { fromHex } from "../crypto/hash.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { type Certificate, certificateCodec } from "../modules/identity/certificate.js";

/** Largest certificate file worth reading: the canonical encoding is ~250 bytes. */
export const MAX_CERTIFICATE_FILE_BYTES = 4096;

/**
 * A certificate as `consortia ca issue` writes it: lowercase hex of the canonical encoding,
 * surrounding whitespace ignored. `field` names the source in errors (e.g. "--cert cert.hex").
 */
export function parseCertificateText(text: string, field: string): Certificate {
  try {
    return decode(certificateCodec, fromHex(text.trim().toLowerCase(), { field }));
  } catch (err) {
    throw new ConsortiaError(
      CommonErrors.INVALID_ARGUMENT,
      `${field} is not a certificate (hex of the canonical encoding): ${err instanceof Error ? err.message : String(err)}`,
      { field },
      { cause: err },
    );
  }
}
