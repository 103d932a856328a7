import { ConfigError, bool, int, loadConfig, num, oneOf, optional, str, url } from './config';

const spec = {
  service: str('SERVICE_NAME'),
  grpc: {
    port: int('LEDGER_GRPC_PORT', { min: 1, max: 65535 }),
    reflection: bool('LEDGER_GRPC_REFLECTION', { default: true }),
  },
  logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn'] as const, { default: 'info' }),
  databaseUrl: url('DATABASE_URL', { protocols: ['postgres:', 'postgresql:'] }),
  jwtSecret: optional(str('JWT_SECRET')),
};

const validEnv = {
  SERVICE_NAME: 'ledger',
  LEDGER_GRPC_PORT: '50051',
  DATABASE_URL: 'postgres://ledger:pw@db:5432/ledger',
};

describe(loadConfig.name, () => {
  it('returns parsed values in the shape of the spec, with defaults filled in', () => {
    const sut = loadConfig(spec, validEnv);

    expect(sut).toEqual({
      service: 'ledger',
      grpc: { port: 50051, reflection: true },
      logLevel: 'info',
      databaseUrl: 'postgres://ledger:pw@db:5432/ledger',
      jwtSecret: undefined,
    });
  });

  it('parses booleans and enumerations from their usual spellings', () => {
    const sut = loadConfig(spec, {
      ...validEnv,
      LEDGER_GRPC_REFLECTION: 'no',
      LOG_LEVEL: 'debug',
      JWT_SECRET: 's3cret',
    });

    expect(sut.grpc.reflection).toBe(false);
    expect(sut.logLevel).toBe('debug');
    expect(sut.jwtSecret).toBe('s3cret');
  });

  it('freezes the result so configuration cannot drift at runtime', () => {
    const sut = loadConfig(spec, validEnv);

    expect(Object.isFrozen(sut)).toBe(true);
    expect(Object.isFrozen(sut.grpc)).toBe(true);
  });

  it('reports every bad variable by name in a single error', () => {
    const env = {
      LEDGER_GRPC_PORT: 'abc',
      LEDGER_GRPC_REFLECTION: 'maybe',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'not a url',
    };

    let thrown: unknown;
    try {
      loadConfig(spec, env);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect(message).toContain('SERVICE_NAME: is required but not set');
    expect(message).toContain('LEDGER_GRPC_PORT: expected an integer, got "abc"');
    expect(message).toContain('LEDGER_GRPC_REFLECTION: expected a boolean');
    expect(message).toContain('LOG_LEVEL: expected one of debug|info|warn, got "loud"');
    expect(message).toContain('DATABASE_URL: expected an absolute URL');
    expect((thrown as ConfigError).problems).toHaveLength(5);
  });

  it('rejects integers outside their allowed range', () => {
    expect(() => loadConfig(spec, { ...validEnv, LEDGER_GRPC_PORT: '70000' })).toThrow(
      'LEDGER_GRPC_PORT: must be <= 65535, got 70000',
    );
  });

  it('parses decimal numbers and refuses what is not one, or is out of range', () => {
    const cost = { cost: num('DB_RANDOM_PAGE_COST', { default: 1.1, min: 0.01 }) };
    expect(loadConfig(cost, {}).cost).toBe(1.1);
    expect(loadConfig(cost, { DB_RANDOM_PAGE_COST: ' 4 ' }).cost).toBe(4);
    expect(loadConfig(cost, { DB_RANDOM_PAGE_COST: '.5' }).cost).toBe(0.5);
    for (const bad of ['1,1', '1.1.1', 'Infinity', '0x10', '1e3', 'cheap']) {
      expect(() => loadConfig(cost, { DB_RANDOM_PAGE_COST: bad })).toThrow(
        `DB_RANDOM_PAGE_COST: expected a number, got ${JSON.stringify(bad)}`,
      );
    }
    expect(() => loadConfig(cost, { DB_RANDOM_PAGE_COST: '0' })).toThrow('DB_RANDOM_PAGE_COST: must be >= 0.01, got 0');
  });

  it('rejects a URL with a protocol the service cannot use', () => {
    expect(() => loadConfig(spec, { ...validEnv, DATABASE_URL: 'mysql://db/ledger' })).toThrow(
      'DATABASE_URL: expected a URL with protocol postgres:|postgresql:, got "mysql:"',
    );
  });

  it('does not echo an unparsable URL, which may embed a password', () => {
    expect(() => loadConfig(spec, { ...validEnv, DATABASE_URL: 'postgres//ledger:hunter2@db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('treats a blank variable as unset', () => {
    const sut = loadConfig(spec, { ...validEnv, LOG_LEVEL: '  ', JWT_SECRET: '' });

    expect(sut.logLevel).toBe('info');
    expect(sut.jwtSecret).toBeUndefined();
  });
});
