import { renderTemplate } from '../shared/templates';

/** Placeholder CodeDeployToECS replaces with the built image (Image1ContainerName). */
export const IMAGE_PLACEHOLDER = 'IMAGE1_NAME';

/** Everything artifacts/taskdef.json needs; role ARNs may be Terraform references. */
export interface TaskDefinitionValues {
  readonly family: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  /** Fargate CPU units. */
  readonly cpu: number;
  /** MiB. */
  readonly memory: number;
  readonly containerName: string;
  readonly containerPort: number;
  readonly logGroup: string;
  readonly region: string;
  readonly readonlyRootFilesystem: boolean;
  /** ECS's name for the CPU architecture: X86_64 or ARM64. */
  readonly cpuArchitecture: string;
  /** Each gets an empty task-local volume mounted there (writable even with a read-only root). */
  readonly writablePaths: readonly string[];
}

/** artifacts/taskdef.json as the pipeline registers it: the image is the literal <IMAGE1_NAME>. */
export function renderTaskDefinitionTemplate(values: TaskDefinitionValues): string {
  const { writablePaths, readonlyRootFilesystem, ...rest } = values;
  const volumeName = (index: number) => `writable-${index}`;
  return renderTemplate('taskdef.json', {
    ...rest,
    // ECS takes cpu and memory as strings in a task definition document.
    cpu: String(values.cpu),
    memory: String(values.memory),
    readonlyRootFilesystem: { raw: String(readonlyRootFilesystem) },
    volumes: { raw: JSON.stringify(writablePaths.map((_, i) => ({ name: volumeName(i) }))) },
    mountPoints: {
      raw: JSON.stringify(
        writablePaths.map((containerPath, i) => ({ sourceVolume: volumeName(i), containerPath, readOnly: false })),
      ),
    },
  });
}

/**
 * The same document with a concrete image, for the task definition Terraform creates before
 * the first pipeline run: the service starts from exactly what the pipeline will register.
 */
export function renderTaskDefinition(values: TaskDefinitionValues, image: string): TaskDefinitionDocument {
  return JSON.parse(renderTaskDefinitionTemplate(values).replace(`<${IMAGE_PLACEHOLDER}>`, image));
}

export interface TaskDefinitionDocument {
  family: string;
  executionRoleArn: string;
  taskRoleArn: string;
  networkMode: string;
  requiresCompatibilities: string[];
  cpu: string;
  memory: string;
  runtimePlatform: { operatingSystemFamily: string; cpuArchitecture: string };
  volumes: { name: string }[];
  containerDefinitions: Record<string, unknown>[];
}
