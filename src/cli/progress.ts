/**
 * Progress on stderr once a computation has taken a second (callers pass none with --json): a bar on a
 * terminal; when piped, one line per tenth, so that logs show a long run is alive without filling with
 * carriage returns. Used by `run` (Monte Carlo samples) and `serve --pareto` (candidate layouts).
 */
export function progressBar(unit: string): (done: number, total: number) => void {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastTenth = 0;
  return (done, total) => {
    if (Date.now() - started < 1000) return;
    const percent = Math.round((100 * done) / total);
    const of = `of ${total.toLocaleString('en-US')} ${unit}`;
    if (!tty) {
      const tenth = Math.floor((10 * done) / total);
      if (tenth > lastTenth) process.stderr.write(`${percent}% ${of}\n`);
      lastTenth = Math.max(lastTenth, tenth);
      return;
    }
    const width = 30;
    const filled = Math.round((width * done) / total);
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${percent}% ${of}`);
    if (done === total) process.stderr.write('\n');
  };
}
