// Node module-resolution hook (registered by register.ts): Moddable specifiers imported from
// outside node_modules resolve to the host stand-ins. Runs on Node's loader thread.
import type { ResolveHook } from "node:module";
import { hostModule } from "./modules";

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
	const fromPackage = context.parentURL?.includes("/node_modules/");
	const url = fromPackage ? undefined : hostModule(specifier);
	// Passed down the chain rather than returned, so tsx still gets to load the .ts file.
	return nextResolve(url?.href ?? specifier, context);
};
