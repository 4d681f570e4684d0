/** A write held back while a progress bar is drawn, with the stream it was meant for. */
interface HeldWrite {
  readonly stream: NodeJS.WritableStream;
  readonly args: Parameters<NodeJS.WritableStream['write']>;
}

type Write = NodeJS.WritableStream['write'];

let held: HeldWrite[] | undefined;
const originals = new Map<NodeJS.WritableStream, Write>();

/**
 * Holds back every write to the given streams (the process's stdout and stderr by default) until
 * `releaseOutput`, and returns a writer that bypasses the hold. A progress bar draws through that
 * writer while anything else written meanwhile (a command's text, an engine's warning) waits, so
 * that no line lands in the middle of the bar. Holding twice keeps the first hold.
 */
export function holdOutput(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): (stream: NodeJS.WritableStream, text: string) => void {
  if (!held) {
    held = [];
    for (const stream of new Set(streams)) {
      originals.set(stream, stream.write);
      stream.write = ((...args: Parameters<Write>) => {
        held?.push({ stream, args });
        return true;
      }) as Write;
    }
  }
  return (stream, text) => {
    (originals.get(stream) ?? stream.write).call(stream, text);
  };
}

/** Ends the hold: restores the streams' own writes, then writes what was held, in order. Does nothing when nothing is held. */
export function releaseOutput(): void {
  const pending = held;
  if (!pending) return;
  held = undefined;
  for (const [stream, write] of originals) stream.write = write;
  originals.clear();
  for (const { stream, args } of pending) stream.write(...args);
}
