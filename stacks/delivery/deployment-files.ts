import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';
import { ArchiveProvider } from '@cdktf/provider-archive/lib/provider';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import type { DeploymentFilesSpec } from '../deployment/engine';
import { renderTaskDefinitionTemplate } from '../service/task-definition';
import { renderTemplate } from '../shared/templates';
import type { ArtifactStore } from './artifact-store';

/** Object key of the deployment files in the artifact bucket (the S3 source action's S3ObjectKey). */
export const DEPLOYMENT_FILES_KEY = 'deployment-files/deployment-files.zip';

export interface DeploymentFilesProps {
  /** Where the files live: the S3 source action needs a versioned object, encrypted with the environment key. */
  readonly artifactStore: ArtifactStore;
  /** appspec.yaml and taskdef.json, when the engine reads them. */
  readonly engine?: DeploymentFilesSpec;
  /** promotion.json, in a promoted environment: where its upstream's images are (the Import step reads it). */
  readonly promotion?: Readonly<Record<string, unknown>>;
}

/**
 * appspec.yaml and taskdef.json (rendered from artifacts/ for this environment) and, in a promoted
 * environment, promotion.json, zipped and uploaded as one versioned object the pipeline's S3 source
 * action reads. Values that exist only after apply (subnet and security-group ids) are Terraform
 * references, so Terraform's archive provider zips the files at plan time; the object's source_hash
 * follows the zip.
 */
export class DeploymentFiles extends Construct {
  readonly objectKey = DEPLOYMENT_FILES_KEY;
  /** The uploaded object: whatever reads it at creation must depend on it. */
  readonly object: S3Object;
  /** File name -> rendered content, as synthesized. */
  readonly files: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DeploymentFilesProps) {
    super(scope, id);
    this.files = {
      ...(props.engine ? engineFiles(props.engine) : {}),
      ...(props.promotion ? { 'promotion.json': `${JSON.stringify(props.promotion, null, 2)}\n` } : {}),
    };

    // The archive provider zips in-memory content at plan time, entries sorted and without
    // timestamps: the same files always give the same zip and output_base64sha256.
    const archive = new DataArchiveFile(this, 'zip', {
      type: 'zip',
      outputPath: 'deployment-files.zip',
      source: Object.entries(this.files).map(([filename, content]) => ({ filename, content })),
      provider: archiveProvider(this),
    });
    this.object = new S3Object(this, 'object', {
      bucket: props.artifactStore.bucketName,
      key: DEPLOYMENT_FILES_KEY,
      source: archive.outputPath,
      sourceHash: archive.outputBase64Sha256,
      contentType: 'application/zip',
      kmsKeyId: props.artifactStore.keyArn,
      serverSideEncryption: 'aws:kms',
      // Synth-time fingerprint of the rendered files: a template edit shows in the plan as a
      // change of this object even before Terraform builds the archive.
      metadata: { 'rendered-sha256': fingerprint(this.files) },
      dependsOn: [...props.artifactStore.configured],
    });
  }
}

/** What CodeDeployToECS reads: the appspec (with the hooks) and the task definition template. */
function engineFiles(spec: DeploymentFilesSpec): Record<string, string> {
  const hooks = Object.entries(spec.hooks);
  return {
    'appspec.yaml': renderTemplate('appspec.yaml', {
      containerName: spec.taskDefinition.containerName,
      containerPort: spec.taskDefinition.containerPort,
      subnets: spec.subnetIds,
      securityGroups: spec.securityGroupIds,
      hooks: {
        raw:
          hooks.length === 0
            ? ''
            : `Hooks:\n${hooks.map(([event, fn]) => `  - ${event}: ${JSON.stringify(fn)}`).join('\n')}`,
      },
    }),
    'taskdef.json': renderTaskDefinitionTemplate(spec.taskDefinition),
  };
}

/**
 * One hashicorp/archive provider per stack, created on first use. The binding allows `~> 2.2`;
 * the stacks keep `~> 2.7`, the range they have been synthesized and reviewed against.
 */
function archiveProvider(scope: Construct): ArchiveProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild('archive') as ArchiveProvider | undefined;
  if (existing) return existing;
  stack.addOverride('terraform.required_providers.archive.version', '~> 2.7');
  return new ArchiveProvider(stack, 'archive');
}

/** SHA-256 of the files with Terraform references blanked, so it depends on content, not on token numbering. */
function fingerprint(files: Readonly<Record<string, string>>): string {
  const normalized = JSON.stringify(files).replace(/\$\{TfToken\[[^\]]+\]\}/g, '${ref}');
  return createHash('sha256').update(normalized).digest('hex');
}

/**
 * Writes each stack's rendered deployment files to cdktf.out/stacks/<env>/deployment-files/
 * so they can be read after synth. Ids that exist only after apply appear as Terraform references.
 */
export function writeRenderedDeploymentFiles(stackDir: string): string[] {
  const synthesized = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  const archives = Object.values(synthesized.data?.archive_file ?? {}) as {
    source: { filename: string; content: string }[];
  }[];
  const written: string[] = [];
  for (const { filename, content } of archives.flatMap((archive) => archive.source)) {
    const path = join(stackDir, 'deployment-files', filename);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));
    written.push(path);
  }
  return written;
}
