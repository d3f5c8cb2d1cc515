import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Turns per conversation within a window: the limit for the channels whose requests all come from a few
 * servers (Azure Bot Service, WeChat), where a limit per address would throttle every user at once.
 */
export class TurnLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(turns: number, windowSeconds: number) {
    this.limiter = new RateLimiterMemory({ points: turns, duration: windowSeconds });
  }

  /** Takes one turn for the conversation: undefined when it may run, else the seconds until it may. */
  async take(key: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(key);
      return undefined;
    } catch (refused) {
      if (refused instanceof RateLimiterRes) return Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
      throw refused;
    }
  }
}
