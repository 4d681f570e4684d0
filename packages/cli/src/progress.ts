import cliProgress from 'cli-progress';
import { holdOutput, releaseOutput } from './output-hold.js';

/** Progress of a long run, shown on stderr so that stdout holds only the results. */
export interface Progress {
  /** Starts (or restarts) the count at 0 of `total`. */
  start(total: number, label: string): void;
  /** Sets the count of finished steps and what runs now. */
  update(done: number, label: string): void;
  stop(): void;
}

/** The bar on a terminal: other output is held back while it is drawn, and written once it is gone. */
function terminalProgress(stream: NodeJS.WriteStream): Progress {
  let bar: cliProgress.SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
    releaseOutput();
  };
  return {
    start(total, label) {
      stop();
      const write = holdOutput([process.stdout, process.stderr, stream]);
      // The bar draws through a stream of its own that bypasses the hold.
      const barStream = {
        isTTY: true,
        get columns() {
          return stream.columns;
        },
        write: (text: string) => {
          write(stream, text);
          return true;
        },
      } as unknown as NodeJS.WriteStream;
      bar = new cliProgress.SingleBar(
        { stream: barStream, format: '{bar} {value}/{total} {label}', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { label });
    },
    update(done, label) {
      bar?.update(done, { label });
    },
    stop,
  };
}

/**
 * A progress reporter for `stream`: a redrawn bar (cli-progress) on a terminal, during which
 * anything else written to stdout or stderr is held back and written after the bar is cleared,
 * so that nothing interleaves with it; on a pipe or a file, one plain line each time the label
 * changes, which keeps logs short and greppable.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) return terminalProgress(stream);
  let total = 0;
  let last = '';
  const line = (done: number, label: string): void => {
    if (label === last) return;
    last = label;
    stream.write(`[${done}/${total}] ${label}\n`);
  };
  return {
    start(count, label) {
      total = count;
      last = '';
      line(0, label);
    },
    update: line,
    stop() {
      last = '';
    },
  };
}
