import { TerraformDataSource, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/**
 * A minimal typed binding for the hashicorp/archive provider's `archive_file` data source,
 * hand-written because `cdktf get` needs the provider schema (a download). It zips
 * in-memory content at plan time, so files can hold values that only exist after apply
 * (subnet and security-group IDs). The provider writes entries sorted and without
 * timestamps: the same content always gives the same zip and output_base64sha256.
 */
class ArchiveProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      terraformResourceType: 'archive',
      terraformGeneratorMetadata: { providerName: 'archive', providerVersionConstraint: '~> 2.7' },
      terraformProviderSource: 'hashicorp/archive',
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

export interface ArchiveFileProps {
  /** Path of the zip, relative to the stack's directory (where Terraform runs). */
  readonly outputPath: string;
  /** File name in the zip -> content (may contain Terraform references). */
  readonly files: Readonly<Record<string, string>>;
}

export class ArchiveFile extends TerraformDataSource {
  readonly files: Readonly<Record<string, string>>;
  private readonly outputPathValue: string;

  constructor(scope: Construct, id: string, props: ArchiveFileProps) {
    super(scope, id, {
      terraformResourceType: 'archive_file',
      terraformGeneratorMetadata: { providerName: 'archive', providerVersionConstraint: '~> 2.7' },
      provider: archiveProvider(scope),
    });
    this.files = props.files;
    this.outputPathValue = props.outputPath;
  }

  /** Local path of the zip, for aws_s3_object.source. */
  get outputPath(): string {
    return this.getStringAttribute('output_path');
  }

  /** Changes exactly when the zip's content changes, for aws_s3_object.source_hash. */
  get outputBase64Sha256(): string {
    return this.getStringAttribute('output_base64sha256');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      type: 'zip',
      output_path: this.outputPathValue,
      source: Object.entries(this.files).map(([filename, content]) => ({ filename, content })),
    };
  }
}

/** One archive provider per stack, created on first use. */
function archiveProvider(scope: Construct): ArchiveProvider {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild('archive') as ArchiveProvider | undefined) ?? new ArchiveProvider(stack, 'archive');
}
