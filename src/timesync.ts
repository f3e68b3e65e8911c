// IoTDA's time sync: a device whose clock was never set (no RTC, SNTP blocked) asks the platform.
// With the request's and the answer's times on both sides, now = (server_recv_time +
// server_send_time + device_recv_time - device_send_time) / 2, which cancels a symmetric delay.
import type { Device } from "./device";
import type { Events } from "./events";

const SERVICE = "$time_sync";

// Registers for the answer and returns the function that asks; `set` gets the platform's time in ms.
// The closures only forward (see commands.ts: XS copies a run-time closure's code into the heap).
export function timeSync(events: Events, set: (ms: number) => void, now: () => number = Date.now): () => boolean {
	events.on(SERVICE, "time_sync_response", paras => set(platformTime(paras, now())));
	return () => events.send(SERVICE, "time_sync_request", { device_send_time: now() });
}

// The platform's time when the answer arrived (`received`, the device clock's reading then).
function platformTime(paras: Record<string, unknown>, received: number): number {
	const { device_send_time: sent, server_recv_time: serverReceived, server_send_time: answered } = paras;
	if (!isTime(sent) || !isTime(serverReceived) || !isTime(answered))
		throw new TypeError("time_sync_response: device_send_time, server_recv_time and server_send_time must be times in ms");
	return Math.round((serverReceived + answered + received - sent) / 2);
}

function isTime(value: unknown): value is number {
	return (typeof value === "number") && Number.isSafeInteger(value) && (value >= 0);
}

// Lets `device` ask IoTDA for the time after a connect while its clock is not trusted.
export function syncDeviceClock(device: Device, events: Events): void {
	device.askTime = timeSync(events, ms => device.setClock(ms));
}
