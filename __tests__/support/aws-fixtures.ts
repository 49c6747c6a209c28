import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What AWS sends us (hook and EventBridge events) and answers (API responses), as AWS published it:
 * __tests__/fixtures/aws/events/<name>.json and api/<service>/<Operation>.json. Each file names its
 * source (an AWS page or sample and the date it was read). Tests load payloads from here and never
 * write one inline: a payload written in the shape the code expects proves nothing about AWS.
 */
export const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');

export interface FixtureSource {
  readonly title: string;
  readonly url: string;
  readonly read: string;
  readonly notes?: string;
}

export interface EventFixture<T> {
  readonly source: FixtureSource;
  readonly payload: T;
}

export interface ApiFixture<T> {
  readonly source: FixtureSource;
  readonly protocol: string;
  readonly target: string;
  readonly status: number;
  readonly response: T;
}

type Json = Record<string, unknown>;

/** A fresh copy of the event in events/<name>.json. */
export function awsEvent<T = Json>(name: string): T {
  return readFixture<EventFixture<T>>(join('events', `${name}.json`)).payload;
}

/** A fresh copy of the documented answer in api/<service>/<operation>.json. */
export function awsApi<T = Json>(service: string, operation: string): ApiFixture<T> {
  return readFixture<ApiFixture<T>>(join('api', service, `${operation}.json`));
}

/** Every fixture file, relative to the fixtures folder. */
export function fixtureFiles(folder = FIXTURES, prefix = ''): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? fixtureFiles(join(folder, entry.name), join(prefix, entry.name))
      : entry.name.endsWith('.json')
        ? [join(prefix, entry.name)]
        : [],
  );
}

export function readFixture<T>(relativePath: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, relativePath), 'utf8')) as T;
}
