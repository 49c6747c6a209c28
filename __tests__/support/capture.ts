/** Captures what a command writes. */
export function capture(isTTY = false): { write(text: string): boolean; isTTY: boolean; text(): string } {
  let written = '';
  return {
    isTTY,
    write(text: string) {
      written += text;
      return true;
    },
    text: () => written,
  };
}
