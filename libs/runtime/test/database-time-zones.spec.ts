import { DatabaseTimeZones } from '../src/database-time-zones';

describe(DatabaseTimeZones.name, () => {
  it('asks the database for its zones once, whatever the number of checks, and matches names in any case', async () => {
    let reads = 0;
    const sut = new DatabaseTimeZones(async () => {
      reads++;
      return ['America/Bogota', 'UTC'];
    });
    const answers = await Promise.all(
      ['America/Bogota', 'america/bogota', 'UTC', 'America/Ciudad_Juarez'].map((z) => sut.knows(z)),
    );
    expect(answers).toEqual([true, true, true, false]);
    expect(await sut.knows('America/Bogota')).toBe(true);
    expect(reads).toBe(1);
  });

  it('asks again after a failed read instead of refusing every zone from then on', async () => {
    let reads = 0;
    const sut = new DatabaseTimeZones(async () => {
      if (++reads === 1) throw new Error('connection reset');
      return ['UTC'];
    });
    await expect(sut.knows('UTC')).rejects.toThrow('connection reset');
    expect(await sut.knows('UTC')).toBe(true);
    expect(reads).toBe(2);
  });
});
