// The manifest's "config" object, as built by mcconfig ("mc/config").
declare module "mc/config" {
	const config: { file: { root: string } } & Record<string, any>;
	export default config;
}
