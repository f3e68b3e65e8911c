// The Moddable module specifiers the app imports, each served on the host by
// boards/host/modules/<specifier>.ts. bundle.ts (esbuild) and hooks.ts (Node's loader) both map
// through hostModule(), so the two ways of running the app see the same stand-ins.

export const SPECIFIERS = ["socket", "securesocket", "timer", "time", "preference", "sntp", "Resource", "mc/config", "ssl/constants", "ota"];

/** The file URL of the host stand-in for a Moddable specifier, or undefined for any other specifier. */
export function hostModule(specifier: string): URL | undefined {
	return SPECIFIERS.includes(specifier) ? new URL(`./modules/${specifier}.ts`, import.meta.url) : undefined;
}

/** The module that installs the XS globals; it must run before the app's first module. */
export const GLOBALS = new URL("./globals.ts", import.meta.url);
