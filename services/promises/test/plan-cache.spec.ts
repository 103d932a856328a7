import { PlanCache } from '../src/plans/plan-cache';

describe('plan cache', () => {
  it('keeps each tenant’s plans apart', () => {
    const cache = new PlanCache<number>();
    cache.set('t1', 'plan', 1);
    expect(cache.get('t1', 'plan')).toBe(1);
    expect(cache.get('t2', 'plan')).toBeUndefined();
  });

  it('forgets the plans used least recently beyond its capacity', () => {
    const cache = new PlanCache<number>(2);
    cache.set('t', 'a', 1);
    cache.set('t', 'b', 2);
    cache.get('t', 'a');
    cache.set('t', 'c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('t', 'b')).toBeUndefined();
    expect(cache.get('t', 'a')).toBe(1);
    expect(cache.get('t', 'c')).toBe(3);
  });
});
