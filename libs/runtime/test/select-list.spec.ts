import { selectedNames } from '../src/select-list';

describe('selectedNames', () => {
  it('names plain columns and aliased expressions, splitting only on top-level commas', () => {
    expect(
      selectedNames(`id, account_id, to_char(due_date, 'YYYY-MM-DD') AS due_date,
        coalesce(paid_minor, 0) as paid_minor, state`),
    ).toBe('id, account_id, due_date, paid_minor, state');
  });

  it('does not split on a comma inside a quoted literal', () => {
    expect(selectedNames(`concat(a, ', (', b) AS label, b`)).toBe('label, b');
  });

  it('refuses an expression it cannot name', () => {
    expect(() => selectedNames('id, amount_minor + 1')).toThrow('cannot name the select item "amount_minor + 1"');
  });
});
