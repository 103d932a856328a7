import { join } from 'node:path';
import { fromJSON } from '@grpc/proto-loader';
import { Transport } from '@nestjs/microservices';
import { grpcServerOptions, metadataFromPrincipalHeaders } from './grpc';

describe(grpcServerOptions.name, () => {
  const sut = grpcServerOptions({
    packages: ['collections.ledger.v1'],
    protoFiles: ['collections/ledger/v1/ledger.proto', '/abs/other.proto'],
    protoRoot: '/protos',
    url: '0.0.0.0:50051',
  });

  it('loads protos relative to the proto root with JS-friendly field conversions', () => {
    expect(sut.transport).toBe(Transport.GRPC);
    expect(sut.options).toMatchObject({
      url: '0.0.0.0:50051',
      package: ['collections.ledger.v1'],
      protoPath: [join('/protos', 'collections/ledger/v1/ledger.proto'), '/abs/other.proto'],
      loader: { includeDirs: ['/protos'], keepCase: false, longs: Number, enums: Number, defaults: true, oneofs: true },
    });
  });

  it('adds server reflection when Nest loads the package definition', () => {
    const packageDefinition = fromJSON({
      nested: {
        demo: {
          nested: {
            Ping: { fields: { id: { type: 'string', id: 1 } } },
            Echo: { methods: { Call: { requestType: 'Ping', responseType: 'Ping', comment: '' } } },
          },
        },
      },
    });
    const addedServices: string[] = [];
    const server = {
      addService: (service: Record<string, { path: string }>) =>
        addedServices.push(...Object.values(service).map((method) => method.path)),
    };

    sut.options.onLoadPackageDefinition?.(packageDefinition, server);

    expect(addedServices).toContain('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo');
  });
});

describe(metadataFromPrincipalHeaders.name, () => {
  it('carries the caller’s credentials to the callee', () => {
    const sut = metadataFromPrincipalHeaders({ apiKey: 'key-a', authorization: 'Bearer t' });

    expect(sut.get('x-api-key')).toEqual(['key-a']);
    expect(sut.get('authorization')).toEqual(['Bearer t']);
  });

  it('omits headers the caller does not have', () => {
    expect(metadataFromPrincipalHeaders({ apiKey: 'key-a' }).get('authorization')).toEqual([]);
  });
});
