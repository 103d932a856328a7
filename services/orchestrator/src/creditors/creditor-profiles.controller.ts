import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { orchestratorCreditors as pb } from '@collections/contracts';
import { CreditorProfilesRpc } from './creditor-profiles.rpc';

/** `default` in the path: the tenant's profile for every country without one of its own. */
const countryOf = (path: string) => (path.toLowerCase() === 'default' ? '' : path);

/**
 * REST twin of CreditorProfileService: the body is a `CreditorProfile` in its JSON form (tax id
 * kinds by name, e.g. `TAX_ID_KIND_CNPJ`); the country comes from the path.
 */
@Controller('v1/orchestrator/creditor-profiles')
export class CreditorProfilesRestController {
  constructor(private readonly rpc: CreditorProfilesRpc) {}

  @Get()
  async list() {
    return pb.ListCreditorProfilesResponse.toJSON(await this.rpc.listCreditorProfiles());
  }

  @Put(':country')
  async put(@Param('country') country: string, @Body() body: unknown) {
    const profile = pb.CreditorProfile.fromJSON(body ?? {});
    return pb.PutCreditorProfileResponse.toJSON(
      await this.rpc.putCreditorProfile({ profile: { ...profile, country: countryOf(country) } }),
    );
  }

  @Get(':country')
  async get(@Param('country') country: string) {
    return pb.GetCreditorProfileResponse.toJSON(await this.rpc.getCreditorProfile({ country: countryOf(country) }));
  }
}
