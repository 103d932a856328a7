/** A one-line progress bar on stderr (only when it is a terminal, or when forced). */
export class ProgressBar {
  private last = '';

  constructor(
    private readonly total: number,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  update(done: number, label: string): void {
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((done / Math.max(1, this.total)) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${label}`;
    if (line === this.last) return;
    this.last = line;
    process.stderr.write(`\r${line.padEnd(78)}`);
  }

  done(): void {
    if (this.enabled && this.last) process.stderr.write('\n');
  }
}
