// The injected clock: tests drive schedules, SLAs and escalations to exact instants.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
