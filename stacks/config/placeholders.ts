import type { EnvironmentConfig } from './schema';

/** A value in the config that only stands in for the user's own. */
export interface Placeholder {
  readonly field: string;
  readonly value: string;
  readonly fix: string;
}

/** Account ids AWS's examples and this project's shipped config use: one digit repeated, or 123456789012. */
const PLACEHOLDER_ACCOUNT = /^(\d)\1{11}$|^123456789012$/;
/** Domains reserved for documentation (RFC 2606), and the all-zero UUID of placeholder ARNs. */
const EXAMPLE_DOMAIN = /(^|[.@])example\.(com|net|org)$/;
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

/**
 * What the shipped examples leave for the user to fill in. Synth warns about each (the examples must
 * still synthesize); `npm run doctor` refuses to call the environment ready while any is left.
 */
export function placeholdersIn(config: EnvironmentConfig): Placeholder[] {
  const found: Placeholder[] = [];
  const add = (field: string, value: string | undefined, placeholder: boolean, fix: string) => {
    if (value !== undefined && placeholder) found.push({ field, value, fix });
  };
  add(
    'accountId',
    config.accountId,
    PLACEHOLDER_ACCOUNT.test(config.accountId),
    'set your account id (`aws sts get-caller-identity --query Account`)',
  );
  const { source } = config.pipeline;
  add(
    'pipeline.source.repository',
    source.repository,
    /^example(-org)?\//.test(source.repository ?? ''),
    'set your repository, "owner/name"',
  );
  add(
    'pipeline.source.connectionArn',
    source.connectionArn,
    (source.connectionArn ?? '').includes(ZERO_UUID),
    'set your connection ARN, or remove it to create one',
  );
  add(
    'pipeline.notificationEmail',
    config.pipeline.notificationEmail,
    EXAMPLE_DOMAIN.test(config.pipeline.notificationEmail ?? ''),
    'set an address that reads mail, or remove it',
  );
  const https = config.loadBalancer.https;
  add(
    'loadBalancer.https.domainName',
    https?.domainName,
    EXAMPLE_DOMAIN.test(https?.domainName ?? ''),
    'set your domain name',
  );
  add(
    'loadBalancer.https.certificateArn',
    https?.certificateArn,
    (https?.certificateArn ?? '').includes(ZERO_UUID),
    'set the ARN of your ACM certificate',
  );
  add(
    'loadBalancer.https.hostedZoneId',
    https?.hostedZoneId,
    /EXAMPLE/.test(https?.hostedZoneId ?? ''),
    'set your Route 53 zone id, or remove it',
  );
  return found;
}
