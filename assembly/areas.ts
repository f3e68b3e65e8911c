// The two fixed 512-byte areas the bindings exchange data through (core ABI: in_ptr, out_ptr).

/** Size of each area in bytes. */
export const AREA_BYTES: i32 = 512;
/** Inputs: ids, secrets, keys and messages are copied here by the binding. */
export const IN: usize = memory.data(AREA_BYTES, 16);
/** Outputs: credentials, hex digests, raw digests and error messages. */
export const OUT: usize = memory.data(AREA_BYTES, 16);
