/** Errors specific to the Store. Bad arguments use core's `InvalidArgumentError` with STORE_* codes. */
import { ConclaveError, type ConclaveErrorOptions } from "../errors.ts";

/** The configured embedding model returned something unusable (wrong count or dimensions). */
export class StoreEmbeddingError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("STORE_EMBEDDING", message, options);
  }
}
