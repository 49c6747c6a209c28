/**
 * Assertions on what Terraform itself evaluated: the offline plan (`terraform show -json`) and
 * the state of the mocked apply. Each returns problems as sentences; none knows how the stacks
 * are written, only what AWS would receive.
 */
import { parse as parseYaml } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** Attributes that hold an IAM policy document (identity, trust or resource policy). */
const POLICY_ATTRIBUTES = ['policy', 'assume_role_policy'];
/** Resource types whose `policy` is not an IAM document. */
const NOT_IAM_GRAMMAR = new Set(['aws_ecr_lifecycle_policy']);
/** An IAM action: service prefix, colon, action name (wildcards allowed in the name). */
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly values: Json;
}

/** Every change is a create (a first deploy), and exactly the declared resources are planned. */
export function checkFirstDeploy(plan: Json, declaredResources: number): string[] {
  const problems: string[] = [];
  const changes: Json[] = plan.resource_changes ?? [];
  for (const change of changes) {
    const actions = change.change.actions.join(',');
    if (actions !== 'create') problems.push(`${change.address}: planned "${actions}", a first deploy only creates`);
  }
  if (changes.length !== declaredResources) {
    problems.push(`the plan has ${changes.length} resource changes, the stack declares ${declaredResources} resources`);
  }
  if (plan.errored) problems.push('terraform reported the plan as errored');
  return problems;
}

/** The resources of a `terraform show -json` values tree (planned_values or a state). */
export function resourcesOf(values: Json): PlannedResource[] {
  const module = values?.root_module ?? {};
  return [module, ...(module.child_modules ?? [])].flatMap((m: Json) =>
    (m.resources ?? [])
      .filter((r: Json) => r.mode === 'managed')
      .map((r: Json) => ({ address: r.address, type: r.type, values: r.values })),
  );
}

/** The buildspec every CodeBuild project receives is the file, byte for byte. */
export function checkBuildspec(resources: readonly PlannedResource[], expected: string, where: string): string[] {
  const projects = resources.filter((r) => r.type === 'aws_codebuild_project');
  if (projects.length === 0) return [`${where}: no aws_codebuild_project`];
  return projects.flatMap((project) => {
    const buildspec = project.values?.source?.[0]?.buildspec;
    if (buildspec === expected) return [];
    if (typeof buildspec !== 'string') return [`${where}: ${project.address} has no known buildspec`];
    return [
      `${where}: ${project.address} buildspec differs from artifacts/buildspec.yml ${firstDifference(buildspec, expected)}`,
    ];
  });
}

function firstDifference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  const line = expected.slice(0, i).split('\n').length;
  return `at line ${line}: got ${JSON.stringify(actual.slice(i, i + 40))}, file has ${JSON.stringify(expected.slice(i, i + 40))}`;
}

/**
 * Every policy document the stack sets is valid JSON in the IAM grammar's outline, and every
 * action names its service. `configured(address, attribute)` says whether the stack set the
 * attribute itself (computed ones are mock values in the mocked apply).
 */
export function checkPolicies(
  resources: readonly PlannedResource[],
  configured: (address: string, attribute: string) => boolean,
): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const resource of resources) {
    if (NOT_IAM_GRAMMAR.has(resource.type)) continue;
    for (const attribute of POLICY_ATTRIBUTES) {
      const text = resource.values?.[attribute];
      if (typeof text !== 'string' || text === '' || !configured(resource.address, attribute)) continue;
      checked++;
      const where = `${resource.address}.${attribute}`;
      let document: Json;
      try {
        document = JSON.parse(text);
      } catch (error) {
        problems.push(`${where}: not valid JSON (${(error as Error).message})`);
        continue;
      }
      if (document.Version !== '2012-10-17')
        problems.push(`${where}: Version is ${JSON.stringify(document.Version)}, not "2012-10-17"`);
      const statements = [document.Statement].flat();
      if (statements.length === 0 || statements.some((s: Json) => typeof s !== 'object' || s === null)) {
        problems.push(`${where}: Statement must be a non-empty list of objects`);
        continue;
      }
      statements.forEach((statement: Json, index: number) => {
        if (!['Allow', 'Deny'].includes(statement.Effect))
          problems.push(`${where}: Statement[${index}].Effect is ${JSON.stringify(statement.Effect)}`);
        const actions = [statement.Action ?? statement.NotAction ?? []].flat();
        if (actions.length === 0) problems.push(`${where}: Statement[${index}] has no Action`);
        for (const action of actions) {
          if (typeof action !== 'string' || !ACTION.test(action))
            problems.push(`${where}: Statement[${index}] action ${JSON.stringify(action)} has no service prefix`);
        }
      });
    }
  }
  return { checked, problems };
}

/** What each deploy action provider reads from the build (AWS CodePipeline action references). */
const IMAGE_FILE_OF: Readonly<Record<string, string>> = {
  CodeDeployToECS: 'imageDetail.json',
  ECS: 'imagedefinitions.json',
};

/**
 * The build hands the deploy action what it reads, as planned: the project's IMAGE_FILE is the file
 * the deploy action's provider reads (and, for the ECS action, its FileName), and the build's output
 * artifact is the deploy action's image input.
 */
export function checkImageHandOff(resources: readonly PlannedResource[]): string[] {
  const project = resources.find((r) => r.type === 'aws_codebuild_project');
  const pipeline = resources.find((r) => r.type === 'aws_codepipeline');
  if (!project || !pipeline) return ['image hand-off: no build project or pipeline planned'];
  const variables: Json[] = project.values?.environment?.[0]?.environment_variable ?? [];
  const imageFile = variables.find((variable) => variable.name === 'IMAGE_FILE')?.value;
  const actions: Json[] = (pipeline.values?.stage ?? []).flatMap((stage: Json) => stage.action ?? []);
  const deploy = actions.find((action) => action.category === 'Deploy');
  const build = actions.find((action) => action.category === 'Build');
  const problems: string[] = [];
  const expected = IMAGE_FILE_OF[deploy?.provider];
  if (!expected) return [`image hand-off: unknown deploy provider ${deploy?.provider}`];
  if (imageFile !== expected)
    problems.push(`image hand-off: the build writes ${imageFile}, ${deploy.provider} reads ${expected}`);
  if (deploy.provider === 'ECS' && deploy.configuration?.FileName !== imageFile)
    problems.push(
      `image hand-off: the ECS action reads ${deploy.configuration?.FileName}, the build writes ${imageFile}`,
    );
  const [image] = build?.output_artifacts ?? [];
  if (!image || !(deploy.input_artifacts ?? []).includes(image))
    problems.push(`image hand-off: the deploy action does not read the build's output artifact ${image}`);
  return problems;
}

/** Whether the planned pipeline deploys with CodeDeployToECS, which reads the deployment files. */
export function readsDeploymentFiles(resources: readonly PlannedResource[]): boolean {
  const pipeline = resources.find((r) => r.type === 'aws_codepipeline');
  return (pipeline?.values?.stage ?? []).some((stage: Json) =>
    (stage.action ?? []).some((action: Json) => action.provider === 'CodeDeployToECS'),
  );
}

/**
 * The deployment files as Terraform evaluated them: appspec.yaml parses as YAML and keeps the
 * literal <TASK_DEFINITION>; taskdef.json parses as JSON and keeps <IMAGE1_NAME>. An engine that
 * reads none (ECS) must have none.
 */
export function checkDeploymentFiles(files: ReadonlyMap<string, string>, required = true): string[] {
  if (!required) return files.size === 0 ? [] : ['deployment files: rendered, but the deploy action reads none'];
  const problems: string[] = [];
  const appspec = files.get('appspec.yaml');
  const taskdef = files.get('taskdef.json');
  if (appspec === undefined) problems.push('deployment files: no appspec.yaml');
  else {
    try {
      const document = parseYaml(appspec);
      const properties = document?.Resources?.[0]?.TargetService?.Properties;
      if (properties?.TaskDefinition !== '<TASK_DEFINITION>')
        problems.push('appspec.yaml: TaskDefinition is not the literal <TASK_DEFINITION>');
    } catch (error) {
      problems.push(
        `appspec.yaml: not valid YAML after Terraform evaluated it (${(error as Error).message.split('\n')[0]})`,
      );
    }
  }
  if (taskdef === undefined) problems.push('deployment files: no taskdef.json');
  else {
    try {
      const images = (JSON.parse(taskdef).containerDefinitions ?? []).map((c: Json) => c.image);
      if (!images.includes('<IMAGE1_NAME>'))
        problems.push('taskdef.json: no container image is the placeholder <IMAGE1_NAME>');
    } catch (error) {
      problems.push(`taskdef.json: not valid JSON after Terraform evaluated it (${(error as Error).message})`);
    }
  }
  return problems;
}
