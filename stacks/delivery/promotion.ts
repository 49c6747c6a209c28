import { Construct } from 'constructs';
import type { CodepipelineStageAction, CodepipelineVariable } from '@cdktf/provider-aws/lib/codepipeline';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { PIPELINE_STAGES, PROMOTION_VARIABLES } from '../config/names';
import type { PeerEnvironment } from '../config/promotion';
import type { ImageFile } from '../deployment/engine';
import { ECR_PULL_ACTIONS } from '../service/container-registry';
import type { CpuArchitecture } from '../shared/architecture';
import { EnvironmentContext } from '../shared/context';
import { grant, type PolicyStatement } from '../shared/iam';
import { peerResources, roleOfAccount } from '../shared/peers';
import type { ArtifactStore } from './artifact-store';
import { imageStepProject, type ImageBuildProps, type ImageStep } from './image-build';
import { codeBuildAction, pipelineProject, runBuildStatement } from './pipeline-project';

/**
 * Build once, promote. The upstream environment builds and deploys an image; when its deployment
 * succeeded, its Promote step starts each downstream pipeline with the image's digest (assuming a
 * role the downstream created for exactly that). The downstream copies that digest from the
 * upstream's repository into its own, checks the copy has the same digest, optionally waits for an
 * approval, and deploys the image from its own registry. Every ARN either side names is derived from
 * the shared config: a stack never reads the other's state, so either can be created or re-created first.
 */

/** The promotion record the downstream's pipeline reads: where the upstream's images are. */
export function promotionRecord(upstream: PeerEnvironment): Record<string, unknown> {
  const resources = peerResources(upstream);
  return {
    from: {
      environment: upstream.name,
      accountId: upstream.accountId,
      region: upstream.region,
      repositoryUri: resources.repositoryUri,
      pipeline: resources.names.pipeline,
    },
  };
}

/** The pipeline variables a promoted environment's runs carry; the defaults mark a run no promotion started. */
export function promotionVariables(): CodepipelineVariable[] {
  const v = PROMOTION_VARIABLES;
  const described: Record<string, string> = {
    [v.digest]: 'sha256 digest of the image to promote (set by the upstream Promote step)',
    [v.commit]: 'Commit the image was built from',
    [v.upstreamDeployment]: 'The upstream deployment that deployed the image',
    [v.upstreamExecution]: 'The upstream pipeline run that built and deployed it',
  };
  return Object.entries(described).map(([name, description]) => ({ name, description, defaultValue: 'none' }));
}

/** `#{variables.<name>}`: a pipeline variable in an action's configuration. */
export function pipelineVariable(name: string): string {
  return `#{variables.${name}}`;
}

/** `registry` is this environment's: the copy lands there, and the service pulls it from there. */
export interface ImageImportProps extends ImageBuildProps {
  readonly upstream: PeerEnvironment;
  /** This environment's pipeline: the upstream may start exactly this one. */
  readonly pipelineArn: string;
}

/**
 * The downstream side: the Import step (CodeBuild, artifacts/import-buildspec.yml) that copies the
 * promoted digest into this environment's repository, and the role the upstream's Promote step
 * assumes to start this pipeline.
 */
export class ImageImport extends Construct implements ImageStep {
  readonly stageName = PIPELINE_STAGES.import;
  readonly input = 'deploymentFiles';
  readonly projectName: string;
  readonly pipelineStatements: PolicyStatement[];
  /** Copies the digest the run was started with; the commit id tags the copy. */
  readonly variables = {
    IMAGE_DIGEST: pipelineVariable(PROMOTION_VARIABLES.digest),
    COMMIT_ID: pipelineVariable(PROMOTION_VARIABLES.commit),
  };
  readonly startRoleArn: string;

  constructor(scope: Construct, id: string, props: ImageImportProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    const upstream = peerResources(props.upstream);
    const project = imageStepProject(this, props, {
      projectName: names.importProject,
      roleName: names.importRole,
      logGroupName: names.importLogGroup,
      description: `Copies the image ${props.upstream.name} deployed, by digest, into this environment's repository`,
      roleDescription: `CodeBuild: copies promoted images from ${props.upstream.name}'s repository into this one`,
      buildspec: 'import-buildspec.yml',
      environmentVariables: {},
    });
    // Pull from exactly the upstream's repository (which grants this role the same in its policy).
    grant(this, 'pull-promoted-images', project.role, [
      { sid: 'PullFromUpstream', actions: [...ECR_PULL_ACTIONS], resources: [upstream.repositoryArn] },
    ]);
    this.projectName = project.projectName;
    this.pipelineStatements = [{ sid: 'RunImport', ...runBuildStatement(project.projectArn) }];
    this.startRoleArn = this.startRole(props).arn;
  }

  /** The upstream's Promote role may assume this role, which may start this pipeline and do nothing else. */
  private startRole(props: ImageImportProps): IamRole {
    const { names } = EnvironmentContext.of(this);
    const promoter = roleOfAccount(props.upstream, peerResources(props.upstream).names.promoteRole);
    const role = new IamRole(this, 'start-role', {
      name: names.promotionStartRole,
      description: `Assumed by ${props.upstream.name}'s Promote step to start this pipeline with a tested image`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'UpstreamPromoteStepStartsThisPipeline',
            Effect: 'Allow',
            Principal: promoter.principal,
            Action: 'sts:AssumeRole',
            Condition: promoter.condition,
          },
        ],
      }),
    });
    grant(this, 'start-pipeline', role, [
      { actions: ['codepipeline:StartPipelineExecution'], resources: [props.pipelineArn] },
    ]);
    return role;
  }
}

export interface PromotionPublisherProps {
  readonly downstreams: readonly PeerEnvironment[];
  readonly artifactStore: ArtifactStore;
  readonly architecture: CpuArchitecture;
  readonly imageFile: ImageFile['name'];
  /** This environment's pipeline: the step reads its own run's deploy action. */
  readonly pipelineArn: string;
  readonly pipelineName: string;
  /** The commit id of a run: the source's variable, or (promoted itself) the promotion's. */
  readonly commitId: string;
}

/**
 * The upstream side: the Promote step (CodeBuild, artifacts/promote-buildspec.yml) that runs after this
 * environment's deployment succeeded and starts each downstream's pipeline with the image just deployed.
 */
export class PromotionPublisher extends Construct {
  readonly pipelineStatements: PolicyStatement[];
  private readonly projectName: string;
  private readonly downstreams: readonly PeerEnvironment[];
  private readonly commitId: string;

  constructor(scope: Construct, id: string, props: PromotionPublisherProps) {
    super(scope, id);
    const { names } = EnvironmentContext.of(this);
    this.downstreams = props.downstreams;
    this.commitId = props.commitId;
    const project = pipelineProject(this, {
      projectName: names.promoteProject,
      roleName: names.promoteRole,
      logGroupName: names.promoteLogGroup,
      description: `Starts ${props.downstreams.map((d) => d.name).join(', ')} with the image this environment deployed`,
      roleDescription: 'CodeBuild: starts the pipelines of the environments that promote from this one',
      buildspec: 'promote-buildspec.yml',
      artifactStore: props.artifactStore,
      timeoutMinutes: 10,
      architecture: props.architecture,
      docker: false,
      environmentVariables: { PIPELINE_NAME: props.pipelineName, IMAGE_FILE: props.imageFile },
    });
    grant(this, 'promote', project.role, [
      // Its own run's actions: the Deploy action's external id is the deployment that tested the image.
      { sid: 'ReadOwnRun', actions: ['codepipeline:ListActionExecutions'], resources: [props.pipelineArn] },
      {
        sid: 'AssumeDownstreamStartRoles',
        actions: ['sts:AssumeRole'],
        resources: props.downstreams.map((d) => peerResources(d).roleArn(peerResources(d).names.promotionStartRole)),
      },
    ]);
    // It reads the image file this run deployed and writes nothing.
    props.artifactStore.grantReadWrite(project.role, 'promote-artifacts', { readBucketAcl: true, readOnly: true });
    this.projectName = project.projectName;
    this.pipelineStatements = [{ sid: 'RunPromote', ...runBuildStatement(project.projectArn) }];
  }

  /** One action per downstream, reading the image file this run deployed. */
  actions(imageArtifact: string): CodepipelineStageAction[] {
    return this.downstreams.map((downstream) => {
      const peer = peerResources(downstream);
      return codeBuildAction({
        name: `To-${downstream.name}`,
        category: 'Build',
        projectName: this.projectName,
        input: imageArtifact,
        variables: {
          DOWNSTREAM: downstream.name,
          DOWNSTREAM_PIPELINE: peer.names.pipeline,
          START_ROLE_ARN: peer.roleArn(peer.names.promotionStartRole),
          COMMIT_ID: this.commitId,
          PIPELINE_EXECUTION_ID: '#{codepipeline.PipelineExecutionId}',
        },
      });
    });
  }
}
