import { Controller } from '@nestjs/common';
import { orchestratorCreditors as pb } from '@collections/contracts';
import { CreditorProfilesRpc } from './creditor-profiles.rpc';

/** CreditorProfileService over gRPC. */
@Controller()
@pb.CreditorProfileServiceControllerMethods()
export class CreditorProfilesGrpcController implements pb.CreditorProfileServiceController {
  constructor(private readonly rpc: CreditorProfilesRpc) {}

  putCreditorProfile(request: pb.PutCreditorProfileRequest) {
    return this.rpc.putCreditorProfile(request);
  }
  getCreditorProfile(request: pb.GetCreditorProfileRequest) {
    return this.rpc.getCreditorProfile(request);
  }
  listCreditorProfiles() {
    return this.rpc.listCreditorProfiles();
  }
}
