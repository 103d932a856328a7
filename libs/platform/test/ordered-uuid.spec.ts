import { orderedUuid } from '../src/ordered-uuid';

describe(orderedUuid.name, () => {
  it('gives unique version-7 UUIDs in the order they were made, so imported entries append to the journal indexes', () => {
    const sut = Array.from({ length: 20_000 }, () => orderedUuid());

    expect(new Set(sut).size).toBe(sut.length);
    expect([...sut].sort()).toEqual(sut);
    expect(sut.every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u))).toBe(
      true,
    );
  });
});
