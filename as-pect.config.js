// as-pect (npm run test:as): the AssemblyScript specs in test/assembly, compiled per as-pect.asconfig.json.
export default {
  entries: ["test/assembly/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
