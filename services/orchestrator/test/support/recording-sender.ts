import { ChannelProvider, InMemoryOutcomeStore, ReliableSender } from '../../src/channels/domain';

/**
 * A ReliableSender over an in-memory outcome store that sleeps through nothing: each back-off it
 * would wait is recorded in `delays` (and handed to `onDelay`, e.g. to move a test's clock by it).
 */
export function recordingSender(
  provider: ChannelProvider,
  options: { random?: () => number; onDelay?: (ms: number) => void } = {},
): { sender: ReliableSender; delays: number[] } {
  const delays: number[] = [];
  const sender = new ReliableSender(provider, {
    store: new InMemoryOutcomeStore(),
    delay: async (ms) => {
      delays.push(ms);
      options.onDelay?.(ms);
    },
    random: options.random ?? (() => 0.5),
  });
  return { sender, delays };
}
