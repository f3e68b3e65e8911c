// TLS client sockets ("securesocket"). The dictionary is a socket dictionary plus `secure`:
// { certificate?: DER CA (ArrayBuffer or Resource), trustedCertificates?: DER CAs (our ssl/cert,
// src/tls/cert.ts), protocolVersion: 0x303, serverName?, verify? }.
// Messages reach a `callback(message, value)` method defined by a subclass (or an own property),
// with the same numbers as "socket"; the SDK's declaration has no `callback` member.
declare module "securesocket" {
	type Data = number | string | ByteBuffer;

	export default class SecureSocket {
		constructor(dictionary: { [key: string]: any });
		read<T extends typeof String | typeof ArrayBuffer>(
			type: T,
			until?: number,
		): T extends typeof String ? string : ArrayBuffer;
		write(data: Data, ...moreData: Data[]): void;
		close(): void;
	}
}
