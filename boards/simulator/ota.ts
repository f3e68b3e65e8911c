// "ota" for the simulators (lin, mac, win), where the SDK's ota module does not build ("ESP32 OTA is
// not supported on this platform"): a simulator has no update partition, and this refuses as the
// SDK's module refuses on a partition table without one, so the app builds and reports the failure.
export default class OTA {
	constructor(_dictionary?: { byteLength?: number }) {
		throw new Error("no update parition");
	}

	write(_data: ArrayBuffer | ArrayBufferView): void {}

	cancel(): void {}

	complete(): void {}
}
