/** A document layout for render-pool tests: one paragraph per line. */
export function linesDoc(input: { lines: string[] }): { content: unknown[] } {
  return { content: input.lines.map((text) => ({ text })) };
}
