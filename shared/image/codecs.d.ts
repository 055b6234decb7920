// wrangler (CompiledWasm rule) and the vitest integration both turn a .wasm
// import into a compiled WebAssembly.Module: no compilation at run time.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
