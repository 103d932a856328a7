import { parseMinuteOfDay } from './calendar-date';

describe(parseMinuteOfDay.name, () => {
  it.each([
    ['00:00', 0],
    ['08:00', 480],
    ['21:30', 1290],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('reads %s as minute %d of the day', (text, minute) => {
    expect(parseMinuteOfDay(text)).toBe(minute);
  });

  it.each(['7:00', '24:01', '25:00', '12:60', '12:5', '1200', ' 08:00', '08:00 ', '08-00', ''])(
    'refuses %j',
    (text) => {
      expect(parseMinuteOfDay(text)).toBeNull();
    },
  );
});
