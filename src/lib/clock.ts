/**
 * The only source of "now" in the product. The sandbox clock is the system clock plus an offset
 * kept in the database, so the API and the workers move together when someone sets it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class OffsetClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
  getOffset(): number {
    return this.offsetMs;
  }
}
