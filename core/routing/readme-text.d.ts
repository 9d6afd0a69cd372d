/** Lets this folder's tests import README.md as text (Vite's `?raw`), without Node's fs. */
declare module '*/routing/README.md?raw' {
  const text: string;
  export default text;
}
