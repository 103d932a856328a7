import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { orchestrator } from '@collections/contracts';
import { StrategiesRpc } from './strategies.rpc';

/**
 * REST twin of the strategy RPCs. PUT takes the JSON document itself as the body (a text body,
 * should a text parser be mounted, is read as YAML); YAML is otherwise sent over gRPC.
 */
@Controller('v1/orchestrator/strategies')
export class StrategiesRestController {
  constructor(private readonly rpc: StrategiesRpc) {}

  @Put(':id')
  put(@Param('id') id: string, @Body() body: unknown) {
    const yaml = typeof body === 'string';
    return this.rpc.putStrategy({
      strategyId: id,
      document: yaml ? body : JSON.stringify(body ?? null),
      format: yaml
        ? orchestrator.StrategyFormat.STRATEGY_FORMAT_YAML
        : orchestrator.StrategyFormat.STRATEGY_FORMAT_JSON,
    });
  }

  @Get(':id')
  active(@Param('id') id: string) {
    return this.rpc.getStrategy({ strategyId: id, version: 0 });
  }

  @Get(':id/arms')
  arms(@Param('id') id: string) {
    return this.rpc.getStrategyArms({ strategyId: id });
  }

  @Get(':id/versions')
  versions(@Param('id') id: string) {
    return this.rpc.listStrategyVersions({ strategyId: id });
  }

  @Get(':id/versions/:version')
  version(@Param('id') id: string, @Param('version') version: string) {
    return this.rpc.getStrategy({ strategyId: id, version: /^[1-9][0-9]{0,8}$/.test(version) ? Number(version) : -1 });
  }
}
