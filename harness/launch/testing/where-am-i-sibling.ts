/** A second source file of the where-am-i child: its own URL must survive bundling. */
export function sibling(): string {
  return new URL('./where-am-i-sibling.ts', import.meta.url).pathname;
}
