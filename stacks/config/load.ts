import type { z } from 'zod';
import { closest } from './aws-rules';
import { resolvePromotions } from './promotion';
import {
  environmentSchema,
  fieldsAt,
  formatPath,
  type EnvironmentConfig,
  type EnvironmentInput,
  type ValidatedEnvironment,
} from './schema';

/** A configuration problem a user can fix; main.ts prints it without a stack trace. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates every environment (all problems at once, each naming environment, field and fix)
 * and returns the selected ones. Throws ConfigError before any construct exists.
 * @param selected environment names to return; all when empty
 */
export function loadEnvironments(
  inputs: readonly EnvironmentInput[],
  selected: readonly string[] = [],
): EnvironmentConfig[] {
  const problems: string[] = [];
  const valid: ValidatedEnvironment[] = [];
  const seen = new Set<string>();

  inputs.forEach((input, index) => {
    const label = typeof input?.name === 'string' ? `environment "${input.name}"` : `environment #${index + 1}`;
    if (seen.has(input?.name)) {
      problems.push(`${label}: name: is used twice. Fix: give every environment its own name`);
    }
    seen.add(input?.name);
    const result = environmentSchema.safeParse(input);
    if (result.success) valid.push(result.data);
    else problems.push(...result.error.issues.flatMap((issue) => describe(issue, input, label)));
  });

  const known = inputs.map((input) => input?.name);
  const configs: EnvironmentConfig[] = resolvePromotions(valid, known, problems);
  for (const name of selected) {
    if (!known.includes(name)) {
      problems.push(
        `environment "${name}" was selected but is not configured. Fix: choose one of ${known.join(', ')} or add it to stacks/config/environments.ts`,
      );
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration, nothing was synthesized:\n  - ${problems.join('\n  - ')}`);
  }
  return selected.length === 0 ? configs : configs.filter((config) => selected.includes(config.name));
}

/** One line per problem, in plain words: a missing field, an empty one, a field the schema does not know. */
function describe(issue: z.core.$ZodIssue, input: unknown, label: string): string[] {
  const at = (path: readonly PropertyKey[]) => `${label}: ${formatPath(path) || '(root)'}`;
  if (issue.code === 'unrecognized_keys') {
    const known = fieldsAt(issue.path) ?? [];
    return issue.keys.map((key) => {
      const guess = closest(
        key,
        known.filter((field) => !(field in (valueAt(input, issue.path) as object))),
      );
      const fix = guess ? `did you mean "${guess}"?` : `remove it (the fields here are ${known.join(', ')})`;
      return `${at([...issue.path, key])}: is not a field ${issue.path.length ? `of ${formatPath(issue.path)}` : 'of an environment'}. Fix: ${fix}`;
    });
  }
  const value = valueAt(input, issue.path);
  const fix = /Fix: .*$/.exec(issue.message)?.[0];
  if (issue.code === 'invalid_type' && value === undefined) {
    return [`${at(issue.path)}: is missing. ${fix ?? 'Fix: add it; docs/configuration.md lists every field'}`];
  }
  if (value === '' || (issue.code === 'too_small' && issue.origin === 'string')) {
    return [`${at(issue.path)}: is empty. ${fix ?? 'Fix: give it a value, or remove it to use the default'}`];
  }
  return [`${at(issue.path)}: ${fix ? issue.message : `${issue.message}. Fix: see docs/configuration.md`}`];
}

/** The raw value the path points at, or undefined. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const part of path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/** Parses a comma-separated selection such as ENVIRONMENT="dev,prod". */
export function parseSelection(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}
