// TCP client sockets, as the Moddable SDK's "socket" module provides them (Listener, UDP and RAW
// sockets are left out: the app does not use them).
declare module "socket" {
	/** -2 error (socket unusable), -1 peer disconnected, 1 connected,
	 *  2 readable (value: bytes available), 3 writable (value: bytes that may be written). */
	type Message = -2 | -1 | 1 | 2 | 3;
	/** A number is written as one byte; a string as its UTF-8 bytes. */
	type Data = number | string | ByteBuffer;

	export type TCPSocketOptions = {
		kind?: "TCP";
		host?: string;
		port?: number;
		noDelay?: boolean;
	};

	class TCPSocket {
		/** Reads from the data announced by message 2: all of it, or up to `until` bytes. */
		read<T extends typeof String | typeof ArrayBuffer>(
			type: T,
			until?: number,
		): T extends typeof String ? string : ArrayBuffer;
		/** Sends all the arguments or, when they do not fit the free send space, throws and sends nothing. */
		write(data: Data, ...moreData: Data[]): void;
		/** The free send space in bytes. */
		write(): number;
		close(): void;
		callback: (message: Message, value?: number) => void;
	}

	const Socket: {
		new (dictionary: TCPSocketOptions): TCPSocket;
	};

	export { Socket };
}
