/**
 * For the enclosing describe block: a setter of one environment variable (`undefined` unsets it),
 * for a test that changes what a migration or a service reads at boot (a key setting, say). The
 * value the variable had comes back after the block; `onChange` runs after every change, that one
 * too (e.g. to drop a setting the code under test read once and cached).
 */
export function testEnv(variable: string, onChange?: () => void): (value: string | undefined) => void {
  const saved = process.env[variable];
  const set = (value: string | undefined) => {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
    onChange?.();
  };
  afterAll(() => set(saved));
  return set;
}
