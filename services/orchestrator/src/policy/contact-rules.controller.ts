import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ContactRulesRpc } from './contact-rules.rpc';

/** REST twin of the contact-rules RPCs. PUT takes the override document itself as the JSON body. */
@Controller('v1/orchestrator/contact-rules')
export class ContactRulesRestController {
  constructor(private readonly rpc: ContactRulesRpc) {}

  @Put(':jurisdiction/override')
  put(@Param('jurisdiction') jurisdiction: string, @Body() body: unknown) {
    return this.rpc.putContactRulesOverride({ jurisdiction, document: JSON.stringify(body ?? null) });
  }

  @Get(':jurisdiction')
  get(@Param('jurisdiction') jurisdiction: string) {
    return this.rpc.getContactRules({ jurisdiction });
  }
}
