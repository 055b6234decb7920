// Vite's `?raw` suffix: the file's text as a string. Tests load
// models/clip-tokenizer/merges.txt this way, which works in workerd too.
declare module '*?raw' {
  const text: string;
  export default text;
}
