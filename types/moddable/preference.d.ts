// Small persistent key/value store, grouped by domain ("preference"; NVS on ESP32).
declare module "preference" {
	type Value = string | number | boolean | ArrayBuffer;
	const Preference: {
		set(domain: string, key: string, value: Value): void;
		get(domain: string, key: string): Value | undefined;
		delete(domain: string, key: string): void;
		keys(domain: string): string[];
	};
	export default Preference;
}
