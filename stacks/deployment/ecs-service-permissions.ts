import type { Construct } from 'constructs';
import type { EcsServiceRef } from '../service/refs';
import { EnvironmentContext } from '../shared/context';
import { passRolesToEcsTasks, type PolicyStatement } from '../shared/iam';

/** The ARN of the environment's ECS service, for policies that act on it. */
export function serviceArnOf(scope: Construct, service: Pick<EcsServiceRef, 'clusterName' | 'serviceName'>): string {
  return EnvironmentContext.of(scope).arn('ecs', `service/${service.clusterName}/${service.serviceName}`);
}

/**
 * What a deploy action needs to register a revision of the service's task definition: the
 * registration itself, scoped to the family (the Service Authorization Reference lists
 * task-definition as RegisterTaskDefinition's resource), and passing the task's roles to ECS.
 */
export function registerTaskDefinitionStatements(scope: Construct, service: EcsServiceRef): PolicyStatement[] {
  return [
    {
      sid: 'RegisterTaskDefinition',
      actions: ['ecs:RegisterTaskDefinition'],
      resources: [EnvironmentContext.of(scope).arn('ecs', `task-definition/${service.taskDefinitionFamily}:*`)],
    },
    passRolesToEcsTasks(service.taskRoles),
  ];
}
