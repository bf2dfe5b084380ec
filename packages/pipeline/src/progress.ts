/**
 * A dependency-free progress bar for long work (training, big fits). On a TTY it redraws one line
 * (`\r`); otherwise (Nx piping output, CI logs) it prints a line at every 10% so logs stay short.
 */
export interface Progress {
  update(done: number, extra?: string): void;
  finish(extra?: string): void;
}

export function createProgress(
  total: number,
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  const start = now();
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let lastDraw = 0;
  // The last count seen: work that stops early (a stopping rule) finishes at that count, not at total.
  let latest: number | undefined;
  const render = (done: number, extra: string | undefined): string => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now() - start) / 1000;
    const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${label} ${bar} ${done}/${total} ${(frac * 100).toFixed(0).padStart(3)}% ` +
      `elapsed ${formatSeconds(elapsed)} eta ${formatSeconds(eta)}${extra ? ` ${extra}` : ''}`;
  };
  return {
    update(done, extra) {
      latest = done;
      if (tty) {
        if (now() - lastDraw < 100 && done < total) return;
        lastDraw = now();
        stream.write(`\r${render(done, extra)}\x1b[K`);
        return;
      }
      const decile = Math.floor((10 * done) / Math.max(1, total));
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${render(done, extra)}\n`);
      }
    },
    finish(extra) {
      stream.write(`${tty ? '\r' : ''}${render(latest ?? total, extra)}${tty ? '\x1b[K\n' : '\n'}`);
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
