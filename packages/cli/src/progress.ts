import cliProgress from 'cli-progress';

/** Progress of a long run, shown on stderr so that stdout holds only the results. */
export interface Progress {
  /** Starts (or restarts) the count at 0 of `total`. */
  start(total: number, label: string): void;
  /** Sets the count of finished steps and what runs now. */
  update(done: number, label: string): void;
  stop(): void;
}

/**
 * A progress reporter for `stream`: a redrawn bar (cli-progress) on a terminal; on a pipe or a
 * file, one plain line each time the label changes, which keeps logs short and greppable.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{bar} {value}/{total} {label}', hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    return {
      start(total, label) {
        if (running) bar.stop();
        bar.start(total, 0, { label });
        running = true;
      },
      update(done, label) {
        bar.update(done, { label });
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }
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
