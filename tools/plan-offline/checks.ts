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

/**
 * The buildspec every CodeBuild project receives is its artifacts/ file, byte for byte. `expected`
 * maps a project-name suffix (-image, -import, -promote) to the file's content.
 */
export function checkBuildspec(
  resources: readonly PlannedResource[],
  expected: Readonly<Record<string, { file: string; content: string }>>,
  where: string,
): string[] {
  const projects = resources.filter((r) => r.type === 'aws_codebuild_project');
  if (projects.length === 0) return [`${where}: no aws_codebuild_project`];
  return projects.flatMap((project) => {
    const name: string = project.values?.name ?? '';
    const suffix = Object.keys(expected).find((s) => name.endsWith(s));
    if (!suffix) return [`${where}: ${project.address} (${name}) is no project with a buildspec in artifacts/`];
    const { file, content } = expected[suffix];
    const buildspec = project.values?.source?.[0]?.buildspec;
    if (buildspec === content) return [];
    if (typeof buildspec !== 'string') return [`${where}: ${project.address} has no known buildspec`];
    return [
      `${where}: ${project.address} buildspec differs from artifacts/${file} ${firstDifference(buildspec, content)}`,
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
 * The image step hands the deploy action what it reads, as planned: the project behind the action
 * that writes the deploy action's image input (the build, or a promotion's import) has IMAGE_FILE set
 * to the file the deploy action's provider reads (and, for the ECS action, its FileName).
 */
export function checkImageHandOff(resources: readonly PlannedResource[]): string[] {
  const pipeline = resources.find((r) => r.type === 'aws_codepipeline');
  if (!pipeline) return ['image hand-off: no pipeline planned'];
  const actions: Json[] = (pipeline.values?.stage ?? []).flatMap((stage: Json) => stage.action ?? []);
  const deploy = actions.find((action) => action.category === 'Deploy');
  const expected = IMAGE_FILE_OF[deploy?.provider];
  if (!expected) return [`image hand-off: unknown deploy provider ${deploy?.provider}`];
  const writer = actions.find(
    (action) =>
      action.category === 'Build' &&
      (action.output_artifacts ?? []).some((a: string) => deploy.input_artifacts?.includes(a)),
  );
  if (!writer) return ['image hand-off: no build or import action writes an artifact the deploy action reads'];
  const project = resources.find(
    (r) => r.type === 'aws_codebuild_project' && r.values?.name === writer.configuration?.ProjectName,
  );
  if (!project)
    return [`image hand-off: no planned project ${writer.configuration?.ProjectName} behind ${writer.name}`];
  const variables: Json[] = project.values?.environment?.[0]?.environment_variable ?? [];
  const imageFile = variables.find((variable) => variable.name === 'IMAGE_FILE')?.value;
  const problems: string[] = [];
  if (imageFile !== expected)
    problems.push(`image hand-off: the build writes ${imageFile}, ${deploy.provider} reads ${expected}`);
  if (deploy.provider === 'ECS' && deploy.configuration?.FileName !== imageFile)
    problems.push(
      `image hand-off: the ECS action reads ${deploy.configuration?.FileName}, the build writes ${imageFile}`,
    );
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
 * reads none (ECS) must have none. A promoted environment's files hold promotion.json, naming an ECR
 * repository; no other environment's do.
 */
export function checkDeploymentFiles(files: ReadonlyMap<string, string>, required = true, promoted = false): string[] {
  const promotion = checkPromotionRecord(files, promoted);
  const engineFiles = new Map([...files].filter(([name]) => name !== 'promotion.json'));
  if (!required)
    return [
      ...promotion,
      ...(engineFiles.size === 0 ? [] : ['deployment files: rendered, but the deploy action reads none']),
    ];
  return [...promotion, ...checkEngineFiles(engineFiles)];
}

function checkPromotionRecord(files: ReadonlyMap<string, string>, promoted: boolean): string[] {
  const record = files.get('promotion.json');
  if (!promoted) return record === undefined ? [] : ['deployment files: promotion.json in an environment that builds'];
  if (record === undefined) return ['deployment files: no promotion.json, which the Import step reads'];
  try {
    const uri = JSON.parse(record)?.from?.repositoryUri;
    return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+$/.test(uri ?? '')
      ? []
      : [`promotion.json: from.repositoryUri ${JSON.stringify(uri)} is no ECR repository URI`];
  } catch (error) {
    return [`promotion.json: not valid JSON after Terraform evaluated it (${(error as Error).message})`];
  }
}

function checkEngineFiles(files: ReadonlyMap<string, string>): string[] {
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

/** One side of a promotion, from the shared config: who promotes from whom, in which accounts. */
export interface PromotionPeer {
  readonly app: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
}

/** The statements of a planned policy document; none where the plan does not know it yet. */
function statementsOf(text: unknown): Json[] {
  return typeof text === 'string' && text !== '' ? [JSON.parse(text).Statement].flat().filter(Boolean) : [];
}

/** IAM and ECR ARNs by their documented formats (commercial partition). */
const iamRole = (peer: PromotionPeer, suffix: string) =>
  `arn:aws:iam::${peer.accountId}:role/${peer.app}-${peer.name}-${suffix}`;
const accountRoot = (peer: PromotionPeer) => `arn:aws:iam::${peer.accountId}:root`;

/**
 * The cross-environment grants as planned, against the config: the upstream's repository policy lets
 * exactly each downstream's Import role (by its account and aws:PrincipalArn) pull, and nothing else; the
 * downstream's Import role may pull from exactly the upstream's repository; its start role trusts exactly
 * the upstream's Promote role.
 */
export function checkPromotionGrants(
  resources: readonly PlannedResource[],
  self: PromotionPeer,
  promotion: { readonly from?: PromotionPeer; readonly to: readonly PromotionPeer[] },
): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  const repositoryPolicies = resources.filter((r) => r.type === 'aws_ecr_repository_policy');
  if (promotion.to.length === 0 && repositoryPolicies.length > 0)
    problems.push('promotion: a repository policy, but no environment promotes from this one');
  if (promotion.to.length > 0) {
    checked++;
    const statements: Json[] = repositoryPolicies.flatMap((r) => statementsOf(r.values?.policy));
    const expected = promotion.to.map((peer) => ({
      principal: accountRoot(peer),
      role: iamRole(peer, 'import'),
    }));
    const actual = statements.map((st) => ({
      principal: st.Principal?.AWS,
      role: st.Condition?.ArnEquals?.['aws:PrincipalArn'],
      actions: [st.Action].flat().sort().join(','),
      effect: st.Effect,
    }));
    if (JSON.stringify(actual.map(({ principal, role }) => ({ principal, role }))) !== JSON.stringify(expected))
      problems.push(
        `promotion: the repository policy grants ${JSON.stringify(actual)}, the config says ${JSON.stringify(expected)}`,
      );
    for (const grant of actual)
      if (
        grant.effect !== 'Allow' ||
        grant.actions !== 'ecr:BatchCheckLayerAvailability,ecr:BatchGetImage,ecr:GetDownloadUrlForLayer'
      )
        problems.push(`promotion: the repository policy grants ${grant.role} ${grant.actions}, more than pulling`);
  }
  const upstream = promotion.from;
  if (upstream) {
    checked += 2;
    const repository = `arn:aws:ecr:${upstream.region}:${upstream.accountId}:repository/${upstream.app}-${upstream.name}`;
    const importRole = `${self.app}-${self.name}-import`;
    const importStatements: Json[] = resources
      .filter((r) => r.type === 'aws_iam_role_policy' && r.values?.role === importRole)
      .flatMap((r) => statementsOf(r.values?.policy));
    const foreign = importStatements.filter(
      (st) =>
        JSON.stringify(st.Resource ?? '').includes(`:${upstream.accountId}:`) && upstream.accountId !== self.accountId,
    );
    const pulls = importStatements.filter((st) => [st.Resource].flat().includes(repository));
    if (pulls.length !== 1) problems.push(`promotion: ${importRole} may not pull from ${repository}`);
    if (
      upstream.accountId !== self.accountId &&
      foreign.some((st) => [st.Resource].flat().some((r: string) => r !== repository))
    )
      problems.push(`promotion: ${importRole} names resources of account ${upstream.accountId} besides ${repository}`);
    const start = resources.find(
      (r) => r.type === 'aws_iam_role' && r.values?.name === `${self.app}-${self.name}-promotion-start`,
    );
    const trust: Json[] = statementsOf(start?.values?.assume_role_policy);
    const wanted = { principal: accountRoot(upstream), role: iamRole(upstream, 'promote') };
    const got = trust.map((st) => ({
      principal: st.Principal?.AWS,
      role: st.Condition?.ArnEquals?.['aws:PrincipalArn'],
    }));
    if (JSON.stringify(got) !== JSON.stringify([wanted]))
      problems.push(
        `promotion: the start role trusts ${JSON.stringify(got)}, the config says ${JSON.stringify([wanted])}`,
      );
  }
  return { checked, problems };
}
