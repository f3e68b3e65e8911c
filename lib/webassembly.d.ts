// The slice of the WebAssembly JS API the Node-side code uses. TypeScript declares it only in its DOM
// libs, which the root tsconfig (es2023 + Node types) leaves out; the shapes follow lib.dom.d.ts.
declare namespace WebAssembly {
  interface ModuleExportDescriptor {
    kind: "function" | "global" | "memory" | "table" | "tag";
    name: string;
  }
  interface ModuleImportDescriptor extends ModuleExportDescriptor {
    module: string;
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static exports(module: Module): ModuleExportDescriptor[];
    static imports(module: Module): ModuleImportDescriptor[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
}
