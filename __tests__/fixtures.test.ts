import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureFiles, readFixture, type FixtureSource } from './support/aws-fixtures';

// The rule behind fixtures/aws: what AWS sends or answers comes from AWS's pages and samples, each
// fixture says which and when it was read, and no test writes such a payload inline.

describe('AWS fixtures', () => {
  const files = fixtureFiles();

  it('exist for hook events, EventBridge events and API answers', () => {
    expect(files.filter((file) => file.startsWith('events/')).length).toBeGreaterThan(10);
  });

  it.each(files)('%s names the AWS page or sample it was taken from, and when', (file) => {
    const fixture = readFixture<{ source: FixtureSource; payload?: unknown; response?: unknown }>(file);
    expect(fixture.source.title.length).toBeGreaterThan(10);
    expect(fixture.source.url).toMatch(
      /^https:\/\/(docs\.aws\.amazon\.com|docs\.amazonaws\.cn|aws\.amazon\.com|github\.com\/(aws|awsdocs|aws-samples|awslabs|boto)\/|docs\.powertools\.aws\.dev|smithy\.io\/)/,
    );
    expect(fixture.source.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(fixture.payload ?? fixture.response).toBeDefined();
  });
});

/**
 * Keys that only AWS's payloads carry: a test file that spells one as an object key is writing an AWS
 * payload inline. (Tests may still name them in expectations of what our code sends, as property reads.)
 */
const PAYLOAD_KEYS = [
  'DeploymentId',
  'LifecycleEventHookExecutionId',
  'executionDetails',
  'targetServiceRevisionArn',
  'testTrafficWeights',
  'productionTrafficWeights',
  'lifecycleStage',
];

/**
 * fixtures.test.ts names the keys; cli-timeline.ts builds the SDK's own output types (a misspelt field
 * fails tsc against AWS's model), and the CLI's wire tests answer from api/ fixtures.
 */
const EXEMPT = ['fixtures.test.ts', join('support', 'cli-timeline.ts')];

describe('no AWS payload is written inline in a test', () => {
  const testFiles = [
    ...readdirSync(__dirname).filter((f) => f.endsWith('.ts')),
    ...readdirSync(join(__dirname, 'support'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join('support', f)),
  ].filter((file) => !EXEMPT.includes(file));

  it.each(testFiles)('%s', (file) => {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const inline = PAYLOAD_KEYS.filter((key) => new RegExp(`['"]?\\b${key}['"]?\\s*:`).test(source));
    // An EventBridge event (not a pattern): "detail-type" with a single string value.
    if (/['"]detail-type['"]\s*:\s*['"]/.test(source)) inline.push('detail-type');
    expect(inline).toEqual([]);
  });
});
