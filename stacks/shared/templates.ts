import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder of the deployment templates, buildspec and sample app. */
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'artifacts');

/** Text inserted as it is (a YAML block), rather than JSON-encoded. */
export interface RawText {
  readonly raw: string;
}

export type TemplateValue = string | number | readonly string[] | RawText;

/**
 * Escapes text for a Terraform string: `${` and `%{` would otherwise start an interpolation
 * or directive (shell variables in a buildspec, for example); Terraform reads `$${` and `%%{`
 * as the literal sequences. The replacements are functions because in a replacement *string*
 * JavaScript reads `$$` as one `$`, which silently undid this escape once.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** Reads a file from artifacts/, escaped for use as a Terraform string. */
export function readArtifact(name: string): string {
  return terraformLiteral(readFileSync(join(ARTIFACTS_DIR, name), 'utf8'));
}

/**
 * Fills `{{name}}` placeholders in an artifacts/ template. Values are JSON-encoded (valid in
 * both JSON and YAML) and may hold Terraform references. Every placeholder needs a value and
 * every value a placeholder, so a renamed field cannot slip through silently.
 */
export function renderTemplate(name: string, values: Readonly<Record<string, TemplateValue>>): string {
  const unused = new Set(Object.keys(values));
  const rendered = readArtifact(name).replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`artifacts/${name}: no value for {{${key}}}`);
    unused.delete(key);
    return typeof value === 'object' && 'raw' in value ? value.raw : JSON.stringify(value);
  });
  if (unused.size > 0) throw new Error(`artifacts/${name}: no placeholder for ${[...unused].join(', ')}`);
  return rendered;
}
