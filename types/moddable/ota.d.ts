// Moddable's ESP32 OTA module ($(MODDABLE)/build/devices/esp32/modules/ota): esp_ota_begin on the
// next update partition in the constructor (byteLength is not passed on: writes are sequential),
// esp_ota_write per write(), esp_ota_end and esp_ota_set_boot_partition in complete(). Each throws
// Error: "no update parition" (sic), "begin failed", "write failed" (also for a first byte other
// than 0xE9, past the slot, or after cancel/complete), "bad state", "end failed" (not a valid image
// for the chip), "can't change boot partition".
declare module "ota" {
	export default class OTA {
		constructor(dictionary?: { byteLength?: number });
		write(data: ArrayBuffer | ArrayBufferView): void;
		cancel(): void;
		complete(): void;
	}
}
