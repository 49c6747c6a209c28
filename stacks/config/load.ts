import { environmentSchema, formatPath, type EnvironmentConfig, type EnvironmentInput } from './schema';

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
  const configs: EnvironmentConfig[] = [];
  const seen = new Set<string>();

  inputs.forEach((input, index) => {
    const label = typeof input?.name === 'string' ? `environment "${input.name}"` : `environment #${index + 1}`;
    if (seen.has(input?.name)) {
      problems.push(`${label}: name: is used twice. Fix: give every environment its own name`);
    }
    seen.add(input?.name);
    const result = environmentSchema.safeParse(input);
    if (result.success) configs.push(result.data);
    else
      problems.push(
        ...result.error.issues.map(
          (issue) => `${label}: ${formatPath(issue.path) || '(root)'}: ${withFix(issue.message)}`,
        ),
      );
  });

  const known = inputs.map((input) => input?.name);
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

/** Zod's own messages (a missing object, a wrong type) get a pointer to the reference. */
function withFix(message: string): string {
  return message.includes('Fix:') ? message : `${message}. Fix: see the configuration reference in README.md`;
}

/** Parses a comma-separated selection such as ENVIRONMENT="dev,prod". */
export function parseSelection(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}
