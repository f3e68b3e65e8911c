// The byte rules shared by the host Socket and SecureSocket: what write() accepts and what read()
// returns, as Moddable's socket modules define them.

/** Concatenates write() arguments: a number is one byte, a string its UTF-8, a buffer its bytes. */
export function writeBytes(items: readonly unknown[]): Uint8Array {
	const parts = items.map((item): Uint8Array => {
		if (typeof item === "number")
			return Uint8Array.of(item & 0xff); // like the device's (unsigned char) cast
		if (typeof item === "string")
			return Buffer.from(item, "utf8");
		if (item instanceof ArrayBuffer || item instanceof SharedArrayBuffer)
			return new Uint8Array(item);
		if (ArrayBuffer.isView(item))
			return new Uint8Array(item.buffer, item.byteOffset, item.byteLength);
		throw new Error("unsupported type for write");
	});
	return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** One read(type, until): the value and how many bytes of `bytes` it consumed. */
export function readBytes(bytes: Uint8Array, type: unknown, until: unknown): { value: string | ArrayBuffer; count: number } {
	const count = typeof until === "number" && until >= 0 ? Math.min(bytes.length, Math.trunc(until)) : bytes.length;
	const part = bytes.subarray(0, count);
	if (type === String)
		return { value: Buffer.from(part.buffer, part.byteOffset, count).toString("utf8"), count };
	if (type === ArrayBuffer)
		return { value: new Uint8Array(part).buffer, count };		// a copy (Buffer.slice would share memory)
	throw new Error("unsupported output type");
}
