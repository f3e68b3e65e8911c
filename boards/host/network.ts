// The board's network link. HOST_NETWORK=down plays a board whose Wi-Fi never came up: like
// lwIP's socket constructor on ESP32 (no default netif), every TCP, TLS and UDP socket (SNTP)
// constructor then throws "no network".
export function checkNetwork(): void {
	const state = process.env.HOST_NETWORK;
	if (state === "down")
		throw new Error("no network");
	if (state !== undefined && state !== "" && state !== "up")
		throw new Error(`HOST_NETWORK: must be "up" or "down"`);
}
